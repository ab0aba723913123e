#if canImport(Glibc)
import Glibc
#endif

/// glibc's allocator gives every thread that allocates its own arena (up to eight per core), and
/// memory freed in one arena cannot serve another: with eight API workers, the NIO loops and the
/// cooperative pool, an operator holding 1,000 clusters keeps several MiB of half-empty arenas.
/// Two arenas are plenty for a process whose threads mostly wait on the network.
public enum MallocArenas {
    /// `M_ARENA_MAX` from `<malloc.h>`.
    static let arenaMaxParameter: Int32 = -8

    /// Limits glibc to `count` arenas, unless `MALLOC_ARENA_MAX` is set in the environment (the
    /// user's choice wins). Call it first thing, before threads start. Does nothing off glibc.
    public static func limit(to count: Int32 = 2) {
        #if canImport(Glibc)
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        // `mallopt` is declared in <malloc.h>, which Swift's Glibc module does not import.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        _ = unsafeBitCast(symbol, to: MallOpt.self)(arenaMaxParameter, count)
        #endif
    }
}
