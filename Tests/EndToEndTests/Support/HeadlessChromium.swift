#if canImport(Glibc)
import Glibc
#endif

/// Debian's Chromium, headless, as a plain child process on loopback, driven over the DevTools protocol: load a
/// page, let it run in real time, then take its DOM and a PNG screenshot.
///
/// Why not `--dump-dom`/`--screenshot`: those capture as soon as the page's load event fires, before a page that
/// follows `/events` has received anything; and `--virtual-time-budget` never ends while an event stream is open,
/// because Chromium's virtual time stands still while a fetch is pending. So Chromium runs with
/// `--remote-debugging-port=0` and a short Python program (python3 is already a test dependency) speaks the
/// DevTools WebSocket: it waits, evaluates `document.documentElement.outerHTML`, and calls `Page.captureScreenshot`.
final class HeadlessChromium {
    static let executable = "/usr/bin/chromium"

    let browser: ChildProcess
    let driver: ChildProcess
    let domPath: String
    let pngPath: String

    /// Starts Chromium on `url` and the driver that captures after `seconds`; poll `isCapturing`, then `finish()`.
    init(url: String, seconds: Double, width: Int = 1280, height: Int = 900, directory: TemporaryDirectory) throws {
        let profile = "\(directory.path)/chromium-profile"
        domPath = "\(directory.path)/dashboard.html"
        pngPath = "\(directory.path)/dashboard.png"
        browser = try ChildProcess.spawn(Self.executable, [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
            "--no-first-run", "--user-data-dir=\(profile)", "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0", "--window-size=\(width),\(height)", url,
        ], directory: directory.path, name: "chromium")
        let script = try directory.write("cdp_capture.py", Self.program)
        driver = try ChildProcess.spawn("/usr/bin/python3", [
            script, profile, domPath, pngPath, "\(seconds)", "\(width)", "\(height)",
        ], directory: directory.path, name: "cdp-capture")
    }

    var isCapturing: Bool { driver.isRunning && browser.isRunning }

    /// Waits for the capture (at most `timeout` s), stops Chromium by PID, and returns the DOM.
    func finish(timeout: Double = 30) throws -> String {
        let status = driver.waitForExit(timeout: timeout)
        if status == nil { driver.stop(signal: SIGKILL) }
        browser.stop(signal: SIGTERM, timeout: 5)
        guard status == 0 else {
            throw ChildProcess.Failure(description: "capture failed (\(status.map(String.init) ?? "timeout")): "
                + "\(driver.standardError.suffix(1500)) chromium: \(browser.standardError.suffix(1500))")
        }
        return ChildProcess.read(domPath)
    }

    deinit {
        driver.stop(signal: SIGKILL)
        browser.stop(signal: SIGKILL)
    }

    private static let program = #"""
import sys, os, json, time, socket, struct, base64, urllib.request
profile, out_dom, out_png, wait = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
width, height = int(sys.argv[5]), int(sys.argv[6])
deadline = time.time() + 20
while not os.path.exists(os.path.join(profile, "DevToolsActivePort")):
    if time.time() > deadline: sys.exit("no DevToolsActivePort")
    time.sleep(0.05)
port = int(open(os.path.join(profile, "DevToolsActivePort")).read().split()[0])
while True:
    targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port))
    pages = [t for t in targets if t.get("type") == "page"]
    if pages: break
    if time.time() > deadline: sys.exit("no page target")
    time.sleep(0.05)
url = pages[0]["webSocketDebuggerUrl"]
path = url.split(str(port), 1)[1]
s = socket.create_connection(("127.0.0.1", port))
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, port, key)).encode())
head = b""
while b"\r\n\r\n" not in head: head += s.recv(1)
assert b" 101 " in head.split(b"\r\n")[0], head
def recv_exact(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: raise EOFError
        b += c
    return b
def send(obj):
    data = json.dumps(obj).encode()
    n = len(data)
    hdr = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536 else bytes([0x80 | 127]) + struct.pack(">Q", n))
    mask = os.urandom(4)
    s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
def recv():
    message = b""
    while True:
        b0, b1 = recv_exact(2)
        n = b1 & 0x7f
        if n == 126: n = struct.unpack(">H", recv_exact(2))[0]
        elif n == 127: n = struct.unpack(">Q", recv_exact(8))[0]
        payload = recv_exact(n)
        message += payload
        if b0 & 0x80: return json.loads(message)
def call(id, method, params=None):
    send({"id": id, "method": method, "params": params or {}})
    while True:
        reply = recv()
        if reply.get("id") == id:
            if "error" in reply: sys.exit("%s: %s" % (method, reply["error"]))
            return reply["result"]
# The viewport can come out smaller than --window-size (757 px high for 900 here): set it exactly.
call(1, "Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
time.sleep(wait)
dom = call(2, "Runtime.evaluate", {"expression": "document.documentElement.outerHTML", "returnByValue": True})
open(out_dom, "w").write(dom["result"]["value"])
shot = call(3, "Page.captureScreenshot", {"format": "png"})
open(out_png, "wb").write(base64.b64decode(shot["data"]))
print("ok")
"""#
}
