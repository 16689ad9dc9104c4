#if canImport(Glibc)
import Glibc
#endif

/// CPU time and memory of this process, as the benchmark reads them.
enum ResourceUsage {
    /// CPU time consumed by the calling thread (user + system), in nanoseconds.
    static func threadCPUNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Resident set size from /proc/self/statm (second field, in pages); 0 if unreadable.
    static func residentBytes() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        guard fgets(&line, Int32(line.count), file) != nil else { return 0 }
        let fields = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
        return pages * sysconf(Int32(_SC_PAGESIZE))
    }

    /// glibc's `malloc_trim(0)`: hands freed heap back to the kernel so an RSS difference measures new
    /// memory, not reuse. Looked up at run time because Swift's Glibc module does not include <malloc.h>.
    static func returnFreedHeap() {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }
}

/// Counts heap allocations when bench/MallocCount.c is preloaded as a shared object (LD_PRELOAD, see
/// bench/transcode-capacity.sh): it wraps malloc and friends and exports `malloc_count`. Without it,
/// counts are unknown (nil).
enum MallocProbe {
    private typealias Counter = @convention(c) () -> UInt

    static func count() -> UInt64? {
        // RTLD_DEFAULT is the null handle on glibc: search every loaded object.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_count") else { return nil }
        return UInt64(unsafeBitCast(symbol, to: Counter.self)())
    }
}
