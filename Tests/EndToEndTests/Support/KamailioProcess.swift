/// Kamailio (Debian package) run as a plain foreground process with a generated configuration:
/// a stateful proxy that record-routes, calls rtpengine_manage() on INVITE / 200 / ACK / BYE, and
/// relays everything to one UAS.
final class KamailioProcess {
    static let executable = "/usr/sbin/kamailio"
    static let modules = "/usr/lib/x86_64-linux-gnu/kamailio/modules"

    let sipPort: UInt16
    let process: ChildProcess
    let directory: TemporaryDirectory

    /// Additions to the generated script: module parameters, flags only the INVITE's or the reply's
    /// `rtpengine_manage` gets (e.g. `label=caller`), and statements run right after the BYE's delete.
    struct Extras {
        var modparams: [String] = []
        var inviteFlags = ""
        var replyFlags = ""
        var afterBye = ""
    }

    init(ngPort: UInt16, uasPort: UInt16, flags: String = "replace-origin replace-session-connection",
         extras: Extras = Extras()) throws {
        directory = try TemporaryDirectory("kamailio")
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try LoopbackPorts.freeUDPPort()
            let config = try directory.write("kamailio.cfg", Self.configuration(sipPort: port, ngPort: ngPort, uasPort: uasPort, flags: flags, extras: extras))
            // -DD: do not daemonize (the PID we hold is the main process, which stops its children on SIGTERM);
            // -E: log to stderr; -n 1: one UDP worker; -w/-Y: work and runtime dirs of our own.
            let process = try ChildProcess.spawn(Self.executable, [
                "-f", config, "-DD", "-E", "-n", "1", "-w", directory.path, "-Y", directory.path,
                "-P", "\(directory.path)/kamailio.pid", "-m", "32", "-M", "8",
            ], directory: directory.path, name: "kamailio")
            let deadline = TestClock.now() + 15
            while TestClock.now() < deadline, process.isRunning, !BoundPorts.udp(in: port...port).contains(port) {
                TestClock.sleep(0.05)
            }
            if process.isRunning, BoundPorts.udp(in: port...port).contains(port) {
                sipPort = port
                self.process = process
                return
            }
            lastError = ChildProcess.Failure(description: "kamailio did not start (exit \(process.exitStatus ?? -1)): \(process.standardError.suffix(3000))")
            process.stop(signal: 9)
        }
        throw lastError!
    }

    deinit { process.stop() }

    static func configuration(sipPort: UInt16, ngPort: UInt16, uasPort: UInt16, flags: String,
                              extras: Extras = Extras()) -> String {
        let inviteFlags = extras.inviteFlags.isEmpty ? flags : "\(flags) \(extras.inviteFlags)"
        let replyFlags = extras.replyFlags.isEmpty ? flags : "\(flags) \(extras.replyFlags)"
        // Kamailio's parser rejects an empty block.
        let afterBye = extras.afterBye.isEmpty ? "" : "if (is_method(\"BYE\")) { \(extras.afterBye) }"
        return """
        #!KAMAILIO
        debug=2
        log_stderror=yes
        children=1
        auto_aliases=no
        listen=udp:127.0.0.1:\(sipPort)
        alias="127.0.0.1:\(sipPort)"

        mpath="\(modules)"
        loadmodule "sl.so"
        loadmodule "tm.so"
        loadmodule "rr.so"
        loadmodule "pv.so"
        loadmodule "textops.so"
        loadmodule "siputils.so"
        loadmodule "xlog.so"
        loadmodule "rtpengine.so"

        modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:\(ngPort)")
        modparam("rtpengine", "rtpengine_tout_ms", 2000)
        modparam("rtpengine", "rtpengine_retr", 2)
        \(extras.modparams.joined(separator: "\n"))

        request_route {
            if (has_totag()) {
                if (loose_route()) {
                    if (is_method("BYE") || (is_method("ACK") && has_body("application/sdp"))) {
                        rtpengine_manage("\(flags)");
                    }
                    \(afterBye)
                    t_relay();
                    exit;
                }
                if (is_method("ACK")) {
                    if (t_check_trans()) { t_relay(); }
                    exit;
                }
                sl_send_reply("404", "Not here");
                exit;
            }
            if (is_method("INVITE")) {
                record_route();
                if (has_body("application/sdp")) {
                    if (!rtpengine_manage("\(inviteFlags)")) {
                        xlog("L_ERR", "rtpengine_manage failed for $ci\\n");
                        sl_send_reply("503", "Relay failed");
                        exit;
                    }
                }
                t_on_reply("MANAGE_REPLY");
            }
            $du = "sip:127.0.0.1:\(uasPort)";
            t_relay();
        }

        onreply_route[MANAGE_REPLY] {
            if (has_body("application/sdp")) {
                rtpengine_manage("\(replyFlags)");
            }
        }

        """
    }
}
