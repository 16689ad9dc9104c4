#if canImport(Glibc)
import Glibc
#endif

/// A process the test started itself: spawned with posix_spawn, stdout/stderr to files in its own
/// temporary directory, stopped by PID (SIGTERM, then SIGKILL if it lingers), always reaped.
final class ChildProcess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let pid: pid_t
    let executable: String
    let stdoutPath: String
    let stderrPath: String
    private(set) var exitStatus: Int32?

    private init(pid: pid_t, executable: String, stdoutPath: String, stderrPath: String) {
        self.pid = pid
        self.executable = executable
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

    /// Starts `executable` with `arguments` (argv[0] is added). Output goes to `<directory>/<name>.out|.err`.
    static func spawn(_ executable: String, _ arguments: [String], directory: String, name: String) throws -> ChildProcess {
        let stdoutPath = "\(directory)/\(name).out"
        let stderrPath = "\(directory)/\(name).err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        // The child starts with default signal handling and nothing blocked, whatever the test runner set.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGCHLD] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw Failure(description: "posix_spawn \(executable): \(String(cString: strerror(rc)))") }
        return ChildProcess(pid: pid, executable: executable, stdoutPath: stdoutPath, stderrPath: stderrPath)
    }

    /// True while the process has not exited (reaps it if it has).
    var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == pid { exitStatus = Self.decode(status); return false }
        return rc == 0
    }

    /// Waits up to `timeout` seconds; the exit code (128+N for signal N), or nil if still running.
    @discardableResult
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = TestClock.now() + timeout
        while isRunning {
            if TestClock.now() > deadline { return nil }
            TestClock.sleep(0.01)
        }
        return exitStatus
    }

    /// Sends `signal` and waits; falls back to SIGKILL after `timeout`. Returns the exit code.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Double = 5) -> Int32? {
        guard isRunning else { return exitStatus }
        kill(pid, signal)
        if let status = waitForExit(timeout: timeout) { return status }
        kill(pid, SIGKILL)
        return waitForExit(timeout: 5)
    }

    var standardOutput: String { Self.read(stdoutPath) }
    var standardError: String { Self.read(stderrPath) }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = waitForExit(timeout: 5)
        }
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    static func read(_ path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            bytes += chunk[0..<count]
            if count < chunk.count { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A fresh directory under /tmp, removed with everything in it when the value goes away.
final class TemporaryDirectory {
    let path: String

    init(_ prefix: String) throws {
        var template = Array("/tmp/rtprelayd-e2e-\(prefix)-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else { throw ChildProcess.Failure(description: "mkdtemp failed") }
        path = String(cString: result)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let full = "\(path)/\(name)"
        guard let file = fopen(full, "w") else { throw ChildProcess.Failure(description: "cannot write \(full)") }
        defer { fclose(file) }
        _ = Array(text.utf8).withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        return full
    }

    deinit {
        // Keep the logs when asked to, for debugging a failed run.
        if getenv("RTPRELAYD_E2E_KEEP") != nil { return }
        removeTree(path)
    }

    private func removeTree(_ path: String) {
        guard let dir = opendir(path) else { unlink(path); return }
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            if name == "." || name == ".." { continue }
            let child = "\(path)/\(name)"
            var info = stat()
            if lstat(child, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { removeTree(child) } else { unlink(child) }
        }
        closedir(dir)
        rmdir(path)
    }
}
