using System.Collections.Frozen;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;

namespace Shoal.Daemon.Web;

/// <summary>One file of the web interface, with its validator and (made on first use) compressed copies.</summary>
internal sealed class WebAsset
{
    private readonly Lazy<byte[]> _gzip;
    private readonly Lazy<byte[]> _brotli;

    public WebAsset(string path, string contentType, byte[] content)
    {
        Path = path;
        ContentType = contentType;
        Content = content;
        ETag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12))}\"";
        _gzip = new Lazy<byte[]>(() => Compress(content, s => new GZipStream(s, CompressionLevel.SmallestSize)));
        _brotli = new Lazy<byte[]>(() => Compress(content, s => new BrotliStream(s, CompressionLevel.SmallestSize)));
    }

    public string Path { get; }

    public string ContentType { get; }

    public byte[] Content { get; }

    /// <summary>A strong validator from the content, so a reload after an upgrade never runs stale scripts.</summary>
    public string ETag { get; }

    /// <summary>Text files are worth compressing; icons and the like are not.</summary>
    public bool Compressible => Content.Length > 512 && !ContentType.StartsWith("image/png", StringComparison.Ordinal);

    public byte[] Gzip => _gzip.Value;

    public byte[] Brotli => _brotli.Value;

    private static byte[] Compress(byte[] content, Func<Stream, Stream> wrap)
    {
        using var output = new MemoryStream();
        using (var compressor = wrap(output)) compressor.Write(content);
        return output.ToArray();
    }
}

/// <summary>
/// The web interface's files, embedded in this assembly at build time (Web/wwwroot, logical names "web/…"):
/// the daemon serves them from memory and needs nothing on disk or from the network.
/// </summary>
internal sealed class WebAssets
{
    private const string ResourcePrefix = "web/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".json"] = "application/json; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly FrozenDictionary<string, WebAsset> _byPath;

    private WebAssets(FrozenDictionary<string, WebAsset> byPath) => _byPath = byPath;

    /// <summary>The assets of this build (read once; they are a few hundred kilobytes).</summary>
    public static WebAssets Embedded { get; } = Load(typeof(WebAssets).Assembly);

    public int Count => _byPath.Count;

    public IEnumerable<string> Paths => _byPath.Keys;

    internal static WebAssets Load(Assembly assembly)
    {
        var assets = new Dictionary<string, WebAsset>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames())
        {
            // RecursiveDir in the project file uses the build machine's separator.
            string logical = name.Replace('\\', '/');
            if (!logical.StartsWith(ResourcePrefix, StringComparison.Ordinal)) continue;
            string path = "/" + logical[ResourcePrefix.Length..];
            if (!ContentTypes.TryGetValue(System.IO.Path.GetExtension(path), out string? type)) continue;
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[path] = new WebAsset(path, type, copy.ToArray());
        }
        return new WebAssets(assets.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>The asset at a request path ("/" is the page itself); exact matches only, so no path ever reaches the disk.</summary>
    public WebAsset? Find(string path) => _byPath.GetValueOrDefault(path == "/" ? "/index.html" : path);
}
