import Foundation
import Testing
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore

@Suite struct PoolImportTests {
    /// A pool folder with two images and the given JSONL lines.
    private func pool(_ lines: [String]) -> String {
        let dir = makeTempDir("pool")
        writePNG(dir + "/img/a.png", color: (255, 0, 0))
        writePNG(dir + "/img/b.png", color: (0, 0, 255))
        write(lines.joined(separator: "\n") + "\n", to: dir + "/pool.jsonl")
        return dir + "/pool.jsonl"
    }

    private func importError(_ run: TestRun, _ file: String) -> ImportError? {
        do {
            _ = try PoolImporter(config: run.config, store: run.store).importFile(file)
            return nil
        } catch let e as ImportError {
            return e
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    private func problems(_ e: ImportError?) -> [ImportProblem] {
        if case .invalid(_, let p, _)? = e { return p }
        return []
    }

    @Test func aGoodFileImportsEveryRowAndItsImages() throws {
        let run = try TestRun()
        let file = pool([
            #"{"id": "p-001", "image": "img/a.png", "instruction": "make the car red", "task": "color_alter"}"#,
            #"{"id": "p-002", "image": "img/b.png", "instruction": "remove the dog", "task": "subject-remove", "source": "mine", "meta": {"k": [1, 2.5]}}"#,
            #"{"id": "p-003", "image": "img/a.png", "instruction": "add a hat", "task": "subject-add"}"#,
        ])
        let s = try PoolImporter(config: run.config, store: run.store).importFile(file)
        #expect(s.rows == 3 && s.inserted == 3 && s.images == 2)
        #expect(try run.store.poolCount() == 3)
        #expect(run.imageFiles().count == 2)
        let item = try #require(try run.store.poolItems(ids: ["p-002"])["p-002"])
        #expect(item.source == "mine")
        #expect(item.metaJSON == #"{"k":[1,2.5]}"#)
    }

    @Test func reimportingTheSameFileChangesNothing() throws {
        let run = try TestRun()
        let file = pool([#"{"id": "p-1", "image": "img/a.png", "instruction": "x", "task": "color_alter"}"#])
        _ = try PoolImporter(config: run.config, store: run.store).importFile(file)
        let again = try PoolImporter(config: run.config, store: run.store).importFile(file)
        #expect(again.inserted == 0 && again.unchanged == 1)
        #expect(try run.store.poolCount() == 1)
    }

    @Test func badJSONIsReportedWithItsLine() throws {
        let run = try TestRun()
        let file = pool([
            #"{"id": "p-1", "image": "img/a.png", "instruction": "x", "task": "color_alter"}"#,
            #"{"id": "p-2", "image": "img/a.png", "instruction": "x", "task": "#,
        ])
        let p = problems(importError(run, file))
        #expect(p.map(\.line) == [2])
        #expect(p[0].message.contains("not valid JSON"))
    }

    @Test func missingAndEmptyFieldsAreNamed() throws {
        let run = try TestRun()
        let file = pool([
            #"{"id": "p-1", "image": "img/a.png", "task": "color_alter"}"#,
            #"{"id": "", "image": "img/a.png", "instruction": "x", "task": "color_alter"}"#,
            #"{"id": 7, "image": "img/a.png", "instruction": "x", "task": "color_alter"}"#,
        ])
        let p = problems(importError(run, file))
        #expect(p.contains(ImportProblem(line: 1, message: "field \"instruction\" is missing")))
        #expect(p.contains(ImportProblem(line: 2, message: "field \"id\" is empty")))
        #expect(p.contains { $0.line == 3 && $0.message.contains("\"id\" must be a string") })
    }

    @Test func duplicateIdsInTheFileAreRefused() throws {
        let run = try TestRun()
        let file = pool([
            #"{"id": "p-1", "image": "img/a.png", "instruction": "x", "task": "color_alter"}"#,
            "",
            #"{"id": "p-1", "image": "img/b.png", "instruction": "y", "task": "color_alter"}"#,
        ])
        let p = problems(importError(run, file))
        #expect(p == [ImportProblem(line: 3, message: "id \"p-1\" already appears on line 1: ids must be unique")])
    }

    @Test func anIdConflictingWithTheRunIsRefused() throws {
        let run = try TestRun()
        _ = try PoolImporter(config: run.config, store: run.store).importFile(
            pool([#"{"id": "p-1", "image": "img/a.png", "instruction": "x", "task": "color_alter"}"#]))
        let p = problems(importError(run, pool([#"{"id": "p-1", "image": "img/a.png", "instruction": "changed", "task": "color_alter"}"#])))
        #expect(p.count == 1)
        #expect(p[0].message.contains("already in the run with different content"))
    }

    @Test func aTaskOutsideTheTaxonomyIsRefused() throws {
        let run = try TestRun()
        let p = problems(importError(run, pool([#"{"id": "p-1", "image": "img/a.png", "instruction": "x", "task": "recolor"}"#])))
        #expect(p.count == 1)
        #expect(p[0].message.contains("task \"recolor\" is not in the taxonomy"))
        #expect(p[0].message.contains("task_map"))
    }

    @Test func aMappedTaskIsAccepted() throws {
        let run = try TestRun(extraConfig: "task_map: {recolor: color_alter}\n")
        _ = try PoolImporter(config: run.config, store: run.store).importFile(
            pool([#"{"id": "p-1", "image": "img/a.png", "instruction": "x", "task": "recolor"}"#]))
        #expect(try run.store.poolItems(ids: ["p-1"])["p-1"]?.task == "color_alter")
    }

    @Test func missingAndUnreadableImagesAreReportedWithTheirLine() throws {
        let run = try TestRun()
        let file = pool([
            #"{"id": "p-1", "image": "img/none.png", "instruction": "x", "task": "color_alter"}"#,
            #"{"id": "p-2", "image": "notes.png", "instruction": "x", "task": "color_alter"}"#,
            #"{"id": "p-3", "image": "img", "instruction": "x", "task": "color_alter"}"#,
        ])
        write("this is text, not a picture", to: (file as NSString).deletingLastPathComponent + "/notes.png")
        let p = problems(importError(run, file))
        #expect(p.map(\.line) == [1, 2, 3])
        #expect(p[0].message.contains("no such file"))
        #expect(p[2].message.contains("is a folder"))
    }

    @Test func oneBadLineMeansNothingIsWritten() throws {
        let run = try TestRun()
        let file = pool([
            #"{"id": "p-1", "image": "img/a.png", "instruction": "x", "task": "color_alter"}"#,
            #"{"id": "p-2", "image": "img/b.png", "instruction": "x", "task": "nope"}"#,
        ])
        #expect(importError(run, file) != nil)
        #expect(try run.store.poolCount() == 0)
        #expect(run.imageFiles().isEmpty)
    }

    @Test func everyProblemIsListedUpToTheLimit() throws {
        let run = try TestRun()
        let lines = (1...70).map { #"{"id": "p-\#($0)", "image": "img/a.png", "instruction": "x", "task": "bad"}"# }
        guard case .invalid(_, let shown, let total)? = importError(run, pool(lines)) else {
            Issue.record("expected an invalid-file error")
            return
        }
        #expect(total == 70)
        #expect(shown.count == ImportError.shownLimit)
        #expect(ImportError.invalid(file: "f", problems: shown, total: total).description.contains("and 20 more"))
    }

    @Test func idsAreDataNeverPaths() throws {
        let run = try TestRun()
        let file = pool([
            #"{"id": "../x", "image": "img/a.png", "instruction": "x", "task": "color_alter"}"#,
            #"{"id": "a/b", "image": "img/b.png", "instruction": "x", "task": "color_alter"}"#,
            #"{"id": "/etc/passwd", "image": "img/b.png", "instruction": "x", "task": "color_alter"}"#,
        ])
        let before = try FileManager.default.contentsOfDirectory(atPath: run.dir)
        let s = try PoolImporter(config: run.config, store: run.store).importFile(file)
        #expect(s.inserted == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: run.dir) == before)
        #expect(try run.store.poolItems(ids: ["../x", "a/b", "/etc/passwd"]).count == 3)
    }

    @Test func anEmptyOrMissingFileIsAClearError() throws {
        let run = try TestRun()
        let dir = makeTempDir()
        write("\n\n", to: dir + "/empty.jsonl")
        #expect(importError(run, dir + "/empty.jsonl") == .empty(file: dir + "/empty.jsonl"))
        #expect(importError(run, dir + "/absent.jsonl") == .unreadable(file: dir + "/absent.jsonl", reason: "no such file"))
    }
}
