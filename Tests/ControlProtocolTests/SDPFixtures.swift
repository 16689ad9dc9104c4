import Foundation

/// Loads SDP fixtures from Tests/ControlProtocolTests/Fixtures. Each file starts with `# ` lines
/// saying where it came from; the SDP body (with its CRLFs) follows from the first `v=`.
enum SDPFixture {
    static func text(_ name: String) throws -> String {
        guard let base = Bundle.module.resourceURL else { throw FixtureError.missing(name) }
        let url = base.appendingPathComponent("Fixtures").appendingPathComponent(name)
        let data = try Data(contentsOf: url)
        let whole = String(decoding: data, as: UTF8.self)
        guard let start = whole.range(of: "\nv=")?.lowerBound else { throw FixtureError.missing(name) }
        return String(whole[whole.index(after: start)...])
    }

    enum FixtureError: Error { case missing(String) }
}
