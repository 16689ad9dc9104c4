/// Codec manipulation requested for an offer (§8.3), from the `codec` dictionary, from
/// `codec-<op>-X` / `transcode-X` flags, or from `always transcode` (accept `all`).
/// Codec specs are kept exactly as written (`opus/48000/2`, `AMR-WB`): case and hyphens matter.
public struct NGCodecOptions: Sendable, Equatable, Hashable {
    public var strip: [String] = []
    public var offer: [String] = []
    public var transcode: [String] = []
    public var mask: [String] = []
    public var accept: [String] = []
    public var except: [String] = []
    public var consume: [String] = []
    public var ignore: [String] = []
    public var set: [String] = []

    public init(strip: [String] = [], offer: [String] = [], transcode: [String] = [], mask: [String] = [],
                accept: [String] = [], except: [String] = [], consume: [String] = [], ignore: [String] = [],
                set: [String] = []) {
        self.strip = strip
        self.offer = offer
        self.transcode = transcode
        self.mask = mask
        self.accept = accept
        self.except = except
        self.consume = consume
        self.ignore = ignore
        self.set = set
    }

    public var isEmpty: Bool { self == NGCodecOptions() }

    /// Appends specs to the list named by `op` (canonical form, e.g. "strip"); false for an unknown op.
    @discardableResult
    public mutating func append(op: String, _ specs: [String]) -> Bool {
        switch op {
        case "strip": strip += specs
        case "offer": offer += specs
        case "transcode": transcode += specs
        case "mask": mask += specs
        case "accept": accept += specs
        case "except": except += specs
        case "consume": consume += specs
        case "ignore": ignore += specs
        case "set": set += specs
        default: return false
        }
        return true
    }

    /// Operation names accepted in the `codec` dictionary and in `codec-<op>-X` flags.
    public static let operations = ["strip", "offer", "transcode", "mask", "accept", "except", "consume", "ignore", "set"]
}
