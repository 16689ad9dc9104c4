import Foundation
import Glibc

/// CPU time a process has used, from /proc/PID/stat fields 14 (utime) and 15 (stime), in seconds.
struct ProcessCPU {
    var user: Double
    var system: Double
    var total: Double { user + system }
}

func processCPU(pid: Int32) -> ProcessCPU? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return nil }
    // Fields after "(comm)" start at field 3 (state).
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
    let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
    return ProcessCPU(user: utime / tick, system: stime / tick)
}

/// Resident memory of a process in KiB (`VmRSS` in /proc/PID/status).
func processResidentKilobytes(pid: Int32) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }
    return nil
}
