import Foundation
import Hummingbird

/// What each HTTP path answers. Handlers only read: they hop to the control loop through the monitor.
enum HTTPRoutes {
    static func router(monitor: RelayMonitor) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { _, _ in
            text(DashboardPage.html, type: "text/html; charset=utf-8")
        }
        router.get("/metrics") { _, _ in
            text(try await monitor.metricsText(), type: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/api/totals") { _, _ in
            json(try await monitor.totals())
        }
        router.get("/api/calls") { _, _ in
            json(try await monitor.calls())
        }
        router.get("/api/calls/{callID}") { _, context in
            // Call-ids may hold any printable character; clients percent-encode what a path cannot carry.
            let raw = try context.parameters.require("callID")
            let callID = raw.removingPercentEncoding ?? raw
            guard let call = try await monitor.call(callID) else {
                return json(["error": "no such call"], status: .notFound)
            }
            return json(call)
        }
        router.get("/events") { _, _ in
            let events = try await monitor.subscribe()
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                // Server-Sent Events (HTML living standard §9.2): one `data:` line per JSON event, blank line after.
                for await event in events {
                    try await writer.write(ByteBuffer(string: "event: snapshot\ndata: \(event)\n\n"))
                }
                try await writer.finish(nil)
            })
        }
        return router
    }

    private static func text(_ body: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    private static func json<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok) -> Response {
        text(RelayMonitor.encode(value) + "\n", type: "application/json", status: status)
    }
}
