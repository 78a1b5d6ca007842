using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.WebSeeds;

/// <summary>What the web-seed tests serve: Debian's nginx on 127.0.0.1 over a fresh folder's www/, and a sample album.</summary>
internal static class WebSeedSite
{
    /// <summary>nginx serving DIR/www (skips the test, or fails it under CI, when nginx is missing).</summary>
    public static async Task<(NginxServer Server, TempDirectory Dir)> StartAsync(string name, string? limitRate = null)
    {
        var nginx = NginxServer.Find();
        if (nginx is null) ReferencePrograms.Unavailable("nginx is not installed (run scripts/install-reference-programs.sh)");
        var dir = new TempDirectory(name);
        Directory.CreateDirectory(dir.Combine("www"));
        Directory.CreateDirectory(dir.Combine("nginx"));
        return (await NginxServer.StartAsync(nginx!, dir.Combine("www"), dir.Combine("nginx"), limitRate), dir);
    }

    /// <summary>A multi-file folder at www/pub/album: odd sizes, a non-ASCII name, a subfolder and an empty file.</summary>
    public static string WriteAlbum(TempDirectory dir)
    {
        dir.WriteRandomFile("www/pub/album/01 intro.flac", 300_001, 1);
        dir.WriteRandomFile("www/pub/album/cover é.jpg", 70_000, 2);
        dir.WriteRandomFile("www/pub/album/extras/notes.txt", 20, 3);
        dir.WriteRandomFile("www/pub/album/extras/empty", 0, 4);
        return dir.Combine("www/pub/album");
    }
}
