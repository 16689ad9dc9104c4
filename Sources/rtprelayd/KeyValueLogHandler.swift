#if canImport(Glibc)
import Glibc
#endif
import Logging

/// One line per event on stderr: `2026-11-23T12:00:00.123456Z level=info msg="..." key=value ...`.
/// Each line goes out in a single write(2) (or, inside `batched`, whole lines together in writes of at most
/// PIPE_BUF bytes), so lines from different threads never interleave.
struct KeyValueLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    private let label: String

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = Self.timestamp()
        line += " level=\(event.level.rawValue) logger=\(label) msg=\(Self.quoted(event.message.description))"
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quoted(Self.render(merged[key]!)))"
        }
        line += "\n"
        if let batch = Self.currentBatch() {
            if batch.bytes.count + line.utf8.count > Self.batchFlushBytes { batch.flush() }
            batch.bytes.append(contentsOf: line.utf8)
            return
        }
        Self.writeAll(Array(line.utf8))
    }

    /// Lines this thread logs inside `body` go out together, in as few write(2) calls as they fit (a line is never
    /// split between two): the once-a-second tick logs every call that ended since the last one, which at a few
    /// thousand calls a second was a system call per call. Nests; the outermost call writes.
    static func batched<R>(_ body: () throws -> R) rethrows -> R {
        let batch: LineBatch
        if let existing = currentBatch() {
            batch = existing
        } else {
            batch = LineBatch()
            pthread_setspecific(batchKey, Unmanaged.passRetained(batch).toOpaque())
        }
        batch.depth += 1
        defer {
            batch.depth -= 1
            if batch.depth == 0 { batch.flush() }
        }
        return try body()
    }

    /// Most bytes a batch writes at once: PIPE_BUF, the largest write a pipe takes whole, so batched lines still
    /// never interleave with another thread's when stderr is a pipe.
    private static let batchFlushBytes = 4096

    /// The calling thread's batch, while it is inside `batched`.
    private static func currentBatch() -> LineBatch? {
        guard let raw = pthread_getspecific(batchKey) else { return nil }
        let batch = Unmanaged<LineBatch>.fromOpaque(raw).takeUnretainedValue()
        return batch.depth > 0 ? batch : nil
    }

    /// One key for every thread's batch (created once; each thread's batch is freed when the thread ends).
    private static let batchKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            if let raw { Unmanaged<LineBatch>.fromOpaque(raw).release() }
        }
        return key
    }()

    fileprivate static func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    private static func render(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let convertible): return convertible.description
        case .array(let items): return "[" + items.map(render).joined(separator: ",") + "]"
        case .dictionary(let dict): return "{" + dict.keys.sorted().map { "\($0):\(render(dict[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// Quotes values with spaces, quotes or control characters so a line stays one parseable record.
    private static func quoted(_ text: String) -> String {
        let needsQuotes = text.isEmpty || text.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) }
        guard needsQuotes else { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += "\\x" + String(scalar.value, radix: 16) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let micros = Int32(now.tv_nsec / 1000)
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(micros, 6))Z"
    }
}

/// Log lines of one thread waiting to be written together (see `KeyValueLogHandler.batched`). Only ever touched by
/// the thread it belongs to.
private final class LineBatch {
    var bytes: [UInt8] = []
    var depth = 0

    func flush() {
        guard !bytes.isEmpty else { return }
        KeyValueLogHandler.writeAll(bytes)
        bytes.removeAll(keepingCapacity: true)
    }
}
