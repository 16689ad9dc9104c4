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
