/// Counts pixels of given colours in a PNG, for asserting what a browser screenshot shows. Decoding (zlib inflate
/// and PNG row filters) is done by a short Python program: python3 is already a test dependency, and Swift on Linux
/// has no PNG or zlib decoder without a new package dependency.
enum PNGPixels {
    struct Counts {
        var width: Int
        var height: Int
        /// Pixels matching each colour (within a small tolerance), by `#rrggbb`.
        var matches: [String: Int]
        /// Distinct colours in the image (capped at 100 000).
        var distinctColours: Int
    }

    static func count(_ path: String, colours: [String], in directory: String) throws -> Counts {
        let scripts = try TemporaryDirectory("png")
        let script = try scripts.write("png_pixels.py", program)
        let process = try ChildProcess.spawn("/usr/bin/python3", [script, path] + colours, directory: directory, name: "png-pixels")
        let status = withExtendedLifetime(scripts) { process.waitForExit(timeout: 60) }
        guard status == 0 else {
            process.stop(signal: 9)
            throw ChildProcess.Failure(description: "png decode failed: \(process.standardError.suffix(1000))")
        }
        var counts = Counts(width: 0, height: 0, matches: [:], distinctColours: 0)
        for line in process.standardOutput.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 2, let value = Int(fields[1]) else { continue }
            switch fields[0] {
            case "width": counts.width = value
            case "height": counts.height = value
            case "distinct": counts.distinctColours = value
            default: counts.matches[fields[0]] = value
            }
        }
        return counts
    }

    private static let program = #"""
import sys, zlib, struct
path, colours = sys.argv[1], sys.argv[2:]
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width = 8, b"", 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), "unsupported PNG type"
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * bpp
rows, prev, i = [], bytearray(stride), 0
for _ in range(height):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
targets = [(h, tuple(int(h[k:k + 2], 16) for k in (1, 3, 5))) for h in colours]
hits = {h: 0 for h, _ in targets}
seen = set()
for line in rows:
    for x in range(0, stride, bpp):
        px = (line[x], line[x + 1], line[x + 2])
        if len(seen) < 100000: seen.add(px)
        for h, t in targets:
            if abs(px[0] - t[0]) <= 12 and abs(px[1] - t[1]) <= 12 and abs(px[2] - t[2]) <= 12: hits[h] += 1
print("width", width); print("height", height); print("distinct", len(seen))
for h, n in hits.items(): print(h, n)
"""#
}
