import Testing
@testable import ThinkEditCore

@Suite struct JSONParserTests {
    @Test func integersAndDecimalsStayApart() throws {
        let v = try JSONParser.parse(#"{"a": 8, "b": 8.0, "c": -2.5e1, "d": 18446744073709551615}"#)
        #expect(v["a"] == .integer(8))
        #expect(v["b"] == .number(8.0))
        #expect(v["c"] == .number(-25))
        #expect(v["d"] == .unsigned(UInt64.max))
    }

    @Test func escapesAndUnicodeDecode() throws {
        let v = try JSONParser.parse(#"["a\"b\\c\/\n\t", "\u00e9\ud83d\ude00", "日本"]"#)
        #expect(v == .array([.string("a\"b\\c/\n\t"), .string("é😀"), .string("日本")]))
    }

    @Test func canonicalTextRoundTrips() throws {
        let text = #"{"b":[1,2.5,true,null],"a":"x\ny"}"#
        let v = try JSONParser.parse(text)
        #expect(v.canonicalText == #"{"a":"x\ny","b":[1,2.5,true,null]}"#)
        #expect(try JSONParser.parse(v.canonicalText) == v)
    }

    @Test func malformedTextIsRefusedWithItsPlace() throws {
        for bad in [#"{"a": }"#, #"{"a" 1}"#, "[1, 2", #""abc"#, "01", "1.", "-", #"{"a": 1} x"#, "\"a\u{01}\"", #""\ud800""#, "nul", "", "[1,]"] {
            #expect(throws: JSONParseError.self, "\(bad)") { _ = try JSONParser.parse(bad) }
        }
        do {
            _ = try JSONParser.parse(#"{"a": }"#)
        } catch {
            #expect(error.offset == 6)
            #expect(error.description.contains("character 7"))
        }
    }
}
