/// A strict reader of the Prometheus text exposition format (0.0.4) for the tests: every line must be a
/// `# HELP`/`# TYPE` comment or a well-formed sample of a declared family, or parsing fails with the line.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var types: [String: String] = [:]
    private(set) var help: [String: String] = [:]
    private(set) var samples: [Sample] = []

    init(parsing text: String) throws {
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " ") else { throw Failure(description: "comment without text: \(line)") }
                let name = String(rest[..<space])
                guard Self.isMetricName(name) else { throw Failure(description: "bad metric name in: \(line)") }
                let value = String(rest[rest.index(after: space)...])
                if line.hasPrefix("# TYPE ") {
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(value) else {
                        throw Failure(description: "unknown type in: \(line)")
                    }
                    guard types[name] == nil else { throw Failure(description: "second TYPE for \(name)") }
                    types[name] = value
                } else {
                    help[name] = value
                }
                continue
            }
            if line.hasPrefix("#") { continue }
            samples.append(try Self.sample(line))
        }
        for sample in samples where family(of: sample.name) == nil {
            throw Failure(description: "sample \(sample.name) belongs to no declared family")
        }
    }

    /// The declared family a sample name belongs to (histograms add `_bucket`, `_sum`, `_count`).
    func family(of name: String) -> String? {
        if types[name] != nil { return name }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return nil
    }

    /// The value of the one sample with this name and exactly these labels.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    private static func sample(_ line: String) throws -> Sample {
        var index = line.startIndex
        while index < line.endIndex, line[index] != "{", line[index] != " " { index = line.index(after: index) }
        let name = String(line[..<index])
        guard isMetricName(name) else { throw Failure(description: "bad metric name in: \(line)") }
        var labels: [String: String] = [:]
        if index < line.endIndex, line[index] == "{" {
            index = line.index(after: index)
            while index < line.endIndex, line[index] != "}" {
                let start = index
                while index < line.endIndex, line[index] != "=" { index = line.index(after: index) }
                let key = String(line[start..<index])
                guard isLabelName(key), index < line.endIndex else { throw Failure(description: "bad label in: \(line)") }
                index = line.index(after: index)
                guard index < line.endIndex, line[index] == "\"" else { throw Failure(description: "unquoted label in: \(line)") }
                index = line.index(after: index)
                var value = ""
                while index < line.endIndex, line[index] != "\"" {
                    if line[index] == "\\" {
                        index = line.index(after: index)
                        guard index < line.endIndex else { break }
                        value.append(line[index] == "n" ? "\n" : line[index])
                    } else {
                        value.append(line[index])
                    }
                    index = line.index(after: index)
                }
                guard index < line.endIndex else { throw Failure(description: "unterminated label value in: \(line)") }
                index = line.index(after: index)
                labels[key] = value
                if index < line.endIndex, line[index] == "," { index = line.index(after: index) }
            }
            guard index < line.endIndex else { throw Failure(description: "unterminated labels in: \(line)") }
            index = line.index(after: index)
        }
        let fields = line[index...].split(separator: " ")
        guard (1...2).contains(fields.count), let value = number(String(fields[0])) else {
            throw Failure(description: "bad value in: \(line)")
        }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func number(_ text: String) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first == ":" || first.properties.isAlphabetic && first.isASCII
        else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == ":") }
    }

    static func isLabelName(_ name: String) -> Bool {
        isMetricName(name) && !name.contains(":")
    }
}
