import ArgumentParser
import Foundation
import Testing
@testable import NCodecCLI

@Suite struct BenchCommandTests {
    @Test func defaultsAndOptionsParse() throws {
        let command = try #require(try NCodec.parseAsRoot(["bench", "images", "--out", "results"]) as? BenchCommand)
        #expect(command.codecs == "jpeg,webp,avif,jxl,hevc" && command.points == nil && command.bpp == nil)
        #expect(command.inputs == ["images"] && command.out == "results")
        let custom = try #require(try NCodec.parseAsRoot(["bench", "a.png", "b.png", "--codecs", "jpeg-444", "--bpp", "0.25,0.5",
                                                           "--out", "r", "--jobs", "3", "--published", "x.json",
                                                           "--published", "y.tsv", "--anchor", "x"]) as? BenchCommand)
        #expect(custom.inputs == ["a.png", "b.png"] && custom.jobs == 3 && custom.published == ["x.json", "y.tsv"])
    }

    @Test func pointsAndBppTogetherAreRejected() {
        #expect(throws: (any Error).self) {
            try NCodec.parseAsRoot(["bench", "images", "--out", "r", "--points", "4", "--bpp", "0.5"])
        }
    }

    @Test func outIsRequired() {
        #expect(throws: (any Error).self) { try NCodec.parseAsRoot(["bench", "images"]) }
    }

    @Test func plotOfAMissingFileFailsWithItsPath() throws {
        let command = try #require(try NCodec.parseAsRoot(["plot", "/no/such/results.json"]) as? PlotCommand)
        #expect {
            try command.run()
        } throws: { error in
            "\(error)".contains("/no/such/results.json")
        }
    }
}
