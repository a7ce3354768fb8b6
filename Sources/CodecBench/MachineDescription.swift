import Foundation

/// The machine a benchmark ran on, for reports.
public struct MachineDescription: Codable, Sendable, Equatable {
    public var processor: String
    public var cores: Int
    public var memoryGiB: Double
    public var system: String

    public init(processor: String, cores: Int, memoryGiB: Double, system: String) {
        self.processor = processor
        self.cores = cores
        self.memoryGiB = memoryGiB
        self.system = system
    }

    /// This machine (processor model from `/proc/cpuinfo`, system from `/etc/os-release` on Linux).
    public static func current() -> MachineDescription {
        let info = ProcessInfo.processInfo
        return MachineDescription(
            processor: value(in: "/proc/cpuinfo", key: "model name", separator: ":") ?? "unknown processor",
            cores: info.activeProcessorCount,
            memoryGiB: (Double(info.physicalMemory) / Double(1 << 30) * 10).rounded() / 10,
            system: value(in: "/etc/os-release", key: "PRETTY_NAME", separator: "=")?
                .trimmingCharacters(in: CharacterSet(charactersIn: "\"")) ?? info.operatingSystemVersionString)
    }

    /// One line.
    public var summary: String {
        "\(processor), \(cores) cores, \(memoryGiB) GiB, \(system)"
    }

    private static func value(in path: String, key: String, separator: Character) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: separator, maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == key {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
