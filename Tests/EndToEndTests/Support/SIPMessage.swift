/// Just enough SIP (RFC 3261) for a test UAC and UAS: a start line, headers in order, a body.
struct SIPMessage {
    var startLine: String
    var headers: [(name: String, value: String)]
    var body: String

    init(startLine: String, headers: [(String, String)], body: String = "") {
        self.startLine = startLine
        self.headers = headers.map { (name: $0.0, value: $0.1) }
        self.body = body
    }

    init?(parsing bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.blankLineRange() else { return nil }
        let head = text[..<split.lowerBound]
        body = String(text[split.upperBound...])
        var lines = String(head).crlfLines()
        guard !lines.isEmpty else { return nil }
        startLine = lines.removeFirst()
        headers = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]).trimmed, String(line[line.index(after: colon)...]).trimmed))
        }
    }

    var isResponse: Bool { startLine.hasPrefix("SIP/2.0 ") }
    var statusCode: Int? { isResponse ? Int(startLine.split(separator: " ")[1]) : nil }
    var method: String? { isResponse ? nil : startLine.split(separator: " ").first.map(String.init) }

    /// All values of a header (full and compact names), in order.
    func values(_ name: String) -> [String] {
        let compact: [String: String] = ["via": "v", "from": "f", "to": "t", "call-id": "i", "contact": "m",
                                         "content-type": "c", "content-length": "l"]
        let wanted = [name.lowercased(), compact[name.lowercased()]].compactMap { $0 }
        return headers.filter { wanted.contains($0.name.lowercased()) }.flatMap { header in
            // Via and Record-Route may carry several comma-separated values on one line.
            ["via", "v", "record-route", "route"].contains(header.name.lowercased())
                ? header.value.split(separator: ",").map { String($0).trimmed } : [header.value]
        }
    }

    func value(_ name: String) -> String? { values(name).first }

    var cseqMethod: String? { value("CSeq")?.split(separator: " ").last.map(String.init) }

    func serialized() -> [UInt8] {
        var text = startLine + "\r\n"
        for header in headers where header.name.lowercased() != "content-length" {
            text += "\(header.name): \(header.value)\r\n"
        }
        text += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        return Array(text.utf8)
    }
}

extension String {
    var trimmed: String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }

    /// The blank line between head and body. (Swift treats "\r\n" as one Character.)
    fileprivate func blankLineRange() -> Range<String.Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index] == "\r\n" {
                let next = self.index(after: index)
                if next < endIndex && self[next] == "\r\n" { return index..<self.index(after: next) }
            }
            index = self.index(after: index)
        }
        return nil
    }

    fileprivate func crlfLines() -> [String] {
        split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
    }
}
