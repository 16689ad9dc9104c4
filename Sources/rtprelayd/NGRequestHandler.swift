import RTPWire

/// What the ng listener drives. Implementations are not thread-safe: every call comes from the
/// control event loop, one at a time, which is what makes the engine's state need no locks.
protocol NGRequestHandler: RelayStateSource {
    /// Handles one datagram; returns the bytes to send back to `source`, or nil to send nothing.
    func handle(datagram: [UInt8], from source: Endpoint) -> [UInt8]?
    /// Runs timers (timeouts, delete-delay); called about once a second.
    func tick()
    /// Tears every call down and releases its ports.
    func shutdown()
}
