import NIOCore

/// The way into the control plane from anywhere else (HTTP handlers, timers): run a closure on the control event
/// loop, where the engine lives, and get its result back. The same thread discipline as the ng listener: the
/// engine is only ever touched from that loop, so it needs no locks.
struct ControlLoopAccess: Sendable {
    let loop: any EventLoop
    let state: NIOLoopBound<any NGRequestHandler>

    func read<Result: Sendable>(_ body: @escaping @Sendable (any RelayStateSource) -> Result) async throws -> Result {
        try await loop.submit { body(state.value) }.get()
    }
}
