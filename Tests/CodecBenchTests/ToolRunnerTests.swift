import Foundation
import Testing
@testable import CodecBench

@Suite struct ToolRunnerTests {
    @Test func capturesStandardOutput() throws {
        let echo = try #require(ToolRunner.locate("echo"))
        let run = try ToolRunner(timeout: 10).run(echo, ["hello", "two words"])
        #expect(String(decoding: run.standardOutput, as: UTF8.self) == "hello two words\n")
        #expect(run.seconds >= 0 && run.seconds < 10)
    }

    @Test func nonZeroExitIsAnErrorWithTheToolsMessage() throws {
        let ls = try #require(ToolRunner.locate("ls"))
        #expect {
            try ToolRunner(timeout: 10).run(ls, ["/no/such/path/for/codecbench"])
        } throws: { error in
            guard case BenchError.toolFailed(let tool, let status, let message) = error else { return false }
            return tool == "ls" && status != 0 && message.contains("/no/such/path/for/codecbench")
        }
    }

    @Test func timeLimitStopsTheTool() throws {
        let sleep = try #require(ToolRunner.locate("sleep"))
        let start = Date()
        #expect(throws: BenchError.toolTimedOut(tool: "sleep", seconds: 0.3)) {
            try ToolRunner(timeout: 0.3).run(sleep, ["20"])
        }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func locateSearchesThePath() throws {
        let directory = try TestSupport.scratchDirectory("locate")
        let tool = directory.appendingPathComponent("fake-codec-tool")
        try Data("#!/bin/sh\n".utf8).write(to: tool)
        #expect(ToolRunner.locate("fake-codec-tool", searchPath: "/nonexistent:\(directory.path)") == nil)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool.path)
        #expect(ToolRunner.locate("fake-codec-tool", searchPath: "/nonexistent:\(directory.path)")?.path == tool.path)
        #expect(ToolRunner.locate("fake-codec-tool", searchPath: "/nonexistent") == nil)
    }

    @Test func missingToolsMakeAMissingProbeNamingThem() {
        let probe = CommandLineCodec.probe(tools: [("cjpeg", nil), ("djpeg", nil)], package: "libjpeg-turbo-progs",
                                           runner: ToolRunner(), versionArguments: ["-version"])
        #expect(probe == .missing(reason: "cjpeg, djpeg not found on PATH (Debian package libjpeg-turbo-progs)"))
    }
}
