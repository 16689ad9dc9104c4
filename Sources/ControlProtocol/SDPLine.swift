/// A line the model has no dedicated field for (`i=`, `u=`, `b=`, `z=`, `k=`, or a type unknown to
/// RFC 4566), kept in input order so that serializing reproduces it.
public struct SDPLine: Sendable, Equatable {
    /// The letter before `=`.
    public var type: Character
    public var value: String

    public init(type: Character, value: String) {
        self.type = type
        self.value = value
    }

    public var text: String { "\(type)=\(value)" }
}

/// A `t=` line and the `r=` lines that belong to it.
public struct SDPTiming: Sendable, Equatable {
    /// The text after `t=`, normally `0 0`.
    public var value: String
    /// The values of the `r=` lines that followed it.
    public var repeats: [String]

    public init(value: String = "0 0", repeats: [String] = []) {
        self.value = value
        self.repeats = repeats
    }
}
