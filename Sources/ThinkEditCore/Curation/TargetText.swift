/// The text a thinker is trained to produce for one step-wise sample (SPEC §2.5), made in this one
/// place for every export format:
///
///     <think>
///     {reasoning}
///     </think>
///     <score>
///     {"semantic": SC, "quality": PQ}
///     </score>
///     <answer>
///     {answer}
///     </answer>
///
/// `SC` and `PQ` are the critique score's numbers as the judge gave them (`ScoreNumber.description`:
/// an integer stays `8`, a decimal stays `7.5`). The reasoning and answer go in verbatim; they are
/// not JSON-escaped, as the tags, not JSON, delimit them.
package enum TargetText {
    package static func make(reasoning: String, critique: Score, answer: String) -> String {
        "<think>\n" + reasoning + "\n</think>\n<score>\n{\"semantic\": " + critique.semantic.description
            + ", \"quality\": " + critique.quality.description + "}\n</score>\n<answer>\n" + answer
            + "\n</answer>"
    }
}
