import ControlProtocol
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Writes call records as JSON lines (`--call-records=PATH|-`) on a serial queue of its own, so the ng thread only
/// hands records over and never waits for the disk. A file is opened with O_APPEND and each line goes out in one
/// write(2): lines from several processes, or across a log rotation that truncates the file, stay whole.
final class CallRecordWriter: Sendable {
    let destination: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    private let queue = DispatchQueue(label: "rtprelayd.call-records")

    /// `-` is standard output; anything else a file path, created (0644) if missing.
    init(destination: String) throws(StartupError) {
        self.destination = destination
        if destination == "-" {
            fd = 1
            ownsDescriptor = false
        } else {
            let opened = open(destination, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard opened >= 0 else {
                throw .callRecords(path: destination, reason: String(cString: strerror(errno)))
            }
            fd = opened
            ownsDescriptor = true
        }
    }

    /// Queues the records; returns at once. Rendering to JSON happens on the writer's queue too.
    func write(_ records: [CallRecord]) {
        guard !records.isEmpty else { return }
        queue.async { [fd] in
            for record in records {
                CallRecordWriter.writeAll(fd, Array((record.json.text + "\n").utf8))
            }
        }
    }

    /// Waits for the queued records to be written, then closes the file (daemon shutdown).
    func close() {
        queue.sync {}
        if ownsDescriptor { _ = Glibc.close(fd) }
    }

    /// One write(2) for the whole line in the normal case; a short write (full disk, pipe) is continued, EINTR
    /// retried, any other error drops the rest of this line rather than blocking the queue forever.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
