import Foundation
import Testing
@testable import ThinkEditCore

@Suite("JSON writer")
struct JSONWriterTests {
    private func quoted(_ s: String) -> String {
        var w = JSONWriter()
        w.string(s)
        return w.text
    }

    // MARK: - Strings

    @Test func quotesAndBackslashesAreEscaped() {
        #expect(quoted(#"say "hi" \ bye"#) == #""say \"hi\" \\ bye""#)
        #expect(quoted("") == #""""#)
    }

    @Test func controlCharactersAreEscapedShortWhereJSONHasAShortForm() {
        #expect(quoted("a\nb\rc\td\u{08}e\u{0C}f") == #""a\nb\rc\td\be\ff""#)
        #expect(quoted("\u{00}\u{01}\u{0B}\u{1F}") == #""\u0000\u0001\u000b\u001f""#)
        #expect(quoted("\r\n") == #""\r\n""#)
    }

    @Test func everythingElseIsWrittenAsUTF8() {
        #expect(quoted("a/b") == #""a/b""#)
        #expect(quoted("\u{7F}") == "\"\u{7F}\"")
        #expect(quoted("é 日本 😀") == "\"é 日本 😀\"")
        #expect(quoted("line\u{2028}separator\u{2029}") == "\"line\u{2028}separator\u{2029}\"")
        // An escape next to a combining mark keeps the mark on its letter.
        #expect(quoted("e\u{301}\n\"e\u{301}") == "\"e\u{301}\\n\\\"e\u{301}\"")
    }

    /// The synthetic pool's rows were written with `JSONEncoder` (slashes unescaped); the writer
    /// must give the same bytes for every ASCII character and for non-ASCII text.
    @Test func quotingMatchesJSONEncoderWithoutEscapingSlashes() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var samples = (0..<0x80).map { String(Character(Unicode.Scalar(UInt8($0)))) }
        samples += ["é", "日本", "😀", "\u{2028}", "\u{2029}", "\u{FEFF}", "e\u{301}\n", "images/s-000001.png", "make the ball \"red\"\t\\ now"]
        for s in samples {
            let expected = String(decoding: try encoder.encode(s), as: UTF8.self)
            #expect(quoted(s) == expected, "\(s.unicodeScalars.map { $0.value })")
        }
    }

    /// Long strings are searched eight bytes at a time: an escape at any offset in a word, next
    /// to non-ASCII bytes or in the tail after the last whole word is still found, and the parser
    /// (which shares the search) reads every such string back.
    @Test func anEscapeIsFoundAtEveryOffsetOfALongString() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        for special in ["\"", "\\", "\n", "\u{01}", "\u{1F}"] {
            for length in [0, 1, 7, 8, 9, 15, 16, 17, 40] {
                for at in 0...length {
                    let plain = String(repeating: "aZ9+/é=", count: 8).prefix(length)
                    let s = String(plain.prefix(at)) + special + String(plain.dropFirst(at))
                    let expected = String(decoding: try encoder.encode(s), as: UTF8.self)
                    #expect(quoted(s) == expected, "\(special.unicodeScalars.map(\.value)) at \(at) of \(length)")
                    #expect(try JSONParser.parse(quoted(s)) == .string(s))
                }
            }
        }
        let base64 = String(repeating: "iVBORw0KGgoAAAANSUhEUgAA+/=", count: 40_000)
        #expect(quoted(base64) == "\"" + base64 + "\"")
        #expect(try JSONParser.parse(quoted(base64)) == .string(base64))
    }

    // MARK: - Numbers and other values

    @Test func integersAreWrittenInFull() {
        var w = JSONWriter()
        w.array { a in
            a.int(0)
            a.int(-3)
            a.int(Int64.min)
            a.int(UInt64.max)
        }
        #expect(w.text == "[0,-3,-9223372036854775808,18446744073709551615]")
    }

    @Test func doublesUseTheShortestRoundTripFormAndNullWhenNotFinite() {
        var w = JSONWriter()
        w.array { a in
            a.double(8)
            a.double(5.656854)
            a.double(-0.5)
            a.double(1e-7)
            a.double(.nan)
            a.double(.infinity)
        }
        #expect(w.text == "[8.0,5.656854,-0.5,1e-07,null,null]")
    }

    @Test func judgeNumbersKeepTheFormTheJudgeGave() {
        var w = JSONWriter()
        w.array { a in
            a.number(ScoreNumber(8))
            a.number(ScoreNumber(decimal: 8))
            a.number(ScoreNumber(decimal: 7.5))
        }
        #expect(w.text == "[8,8.0,7.5]")
    }

    @Test func boolsNullAndRawJSON() {
        var w = JSONWriter()
        w.object { o in
            o.field("yes", true)
            o.field("no", false)
            o.key("none")
            o.null()
            o.key("meta")
            o.raw(#"{"synthetic":{"size":64}}"#)
        }
        #expect(w.text == #"{"yes":true,"no":false,"none":null,"meta":{"synthetic":{"size":64}}}"#)
    }

    // MARK: - Structure

    @Test func keysStayInTheOrderTheyAreWritten() {
        var w = JSONWriter()
        w.object { o in
            o.field("z", 1)
            o.field("a", 2)
            o.field("m", 3)
        }
        #expect(w.text == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test func nestedObjectsAndArraysGetTheirCommas() {
        var w = JSONWriter()
        w.object { o in
            o.array("messages") { a in
                a.object { $0.field("role", "user") }
                a.object { $0.field("role", "assistant") }
            }
            o.object("empty") { _ in }
            o.array("none") { _ in }
            o.array("grid") { a in
                a.array { $0.int(1); $0.int(2) }
                a.array { _ in }
                a.array { $0.string("x") }
            }
            o.field("after", "end")
        }
        #expect(w.text == #"{"messages":[{"role":"user"},{"role":"assistant"}],"empty":{},"none":[],"grid":[[1,2],[],["x"]],"after":"end"}"#)
    }

    @Test func topLevelValuesAreNotSeparatedSoJSONLinesAddTheirOwnBreaks() {
        var w = JSONWriter(text: "[")
        w.object { $0.field("i", 0) }
        w.text += "\n"
        w.object { $0.field("i", 1) }
        w.text += "\n"
        #expect(w.text == "[{\"i\":0}\n{\"i\":1}\n")
    }

    @Test func indentedTextPutsEveryMemberOnItsOwnLine() {
        var w = JSONWriter(indent: 2)
        w.object { o in
            o.object("entry") { e in
                e.field("file_name", "sft.json")
                e.object("columns") { $0.field("images", "images") }
                e.array("list") { $0.int(1); $0.int(2) }
                e.object("empty") { _ in }
            }
        }
        #expect(w.text == """
            {
              "entry": {
                "file_name": "sft.json",
                "columns": {
                  "images": "images"
                },
                "list": [
                  1,
                  2
                ],
                "empty": {}
              }
            }
            """)
    }

    // MARK: - JSONValue and Codable values

    @Test func canonicalTextSortsKeysByBytesAtEveryLevel() {
        let v = JSONValue.object([("b", .array([.object([("y", .null), ("x", .bool(true))])])), ("B", .integer(1)), ("a", .string("é"))])
        #expect(v.canonicalText == #"{"B":1,"a":"é","b":[{"x":true,"y":null}]}"#)
        var out = "prefix "
        v.write(to: &out)
        #expect(out == "prefix " + v.canonicalText)
    }

    @Test func encodableValuesHaveSortedKeysAndSlashesAsAsked() throws {
        struct Row: Encodable {
            var task = "add/remove"
            var count = 2
        }
        #expect(try JSONWriter.encode(Row(), escapingSlashes: true) == #"{"count":2,"task":"add\/remove"}"#)
        #expect(try JSONWriter.encode(Row(), escapingSlashes: false) == #"{"count":2,"task":"add/remove"}"#)
    }
}
