using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.Tests.Metainfo;

/// <summary>How files are found: symbolic links (Unix), hidden files, unsafe names.</summary>
public class TorrentContentTests
{
    [Fact]
    public void FollowsSymbolicLinksToFilesAndFolders()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("symbolic links need privileges on Windows");
        using var dir = new TempDirectory("scan");
        dir.WriteRandomFile("elsewhere/target.bin", 300);
        dir.WriteRandomFile("elsewhere/sub/inner.bin", 200);
        dir.WriteRandomFile("root/real.bin", 100);
        File.CreateSymbolicLink(dir.Combine("root", "link.bin"), dir.Combine("elsewhere", "target.bin"));
        Directory.CreateSymbolicLink(dir.Combine("root", "linked-folder"), "../elsewhere/sub");

        var content = TorrentContent.Scan(dir.Combine("root"));
        Assert.Equal(["link.bin", "linked-folder/inner.bin", "real.bin"], content.Files.Select(f => f.Path));
        Assert.Equal([300L, 200, 100], content.Files.Select(f => f.Length));
        Assert.Equal(600, content.TotalLength);
    }

    [Fact]
    public void ScanningALinkNamesTheTorrentAfterTheLink()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("symbolic links need privileges on Windows");
        using var dir = new TempDirectory("scan");
        dir.WriteRandomFile("real-name.iso", 50);
        File.CreateSymbolicLink(dir.Combine("nice-name.iso"), "real-name.iso");
        var content = TorrentContent.Scan(dir.Combine("nice-name.iso"));
        Assert.Equal("nice-name.iso", content.Name);
        Assert.False(content.IsFolder);
        Assert.Equal(50, content.TotalLength);
    }

    [Fact]
    public void ASymbolicLinkLoopIsAnError()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("symbolic links need privileges on Windows");
        using var dir = new TempDirectory("scan");
        dir.WriteRandomFile("root/x/file", 10);
        Directory.CreateSymbolicLink(dir.Combine("root", "x", "up"), "..");
        var ex = Assert.Throws<IOException>(() => TorrentContent.Scan(dir.Combine("root")));
        Assert.Contains("'x/up' is a symbolic link loop", ex.Message);
    }

    [Fact]
    public void ABrokenSymbolicLinkIsAnError()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("symbolic links need privileges on Windows");
        using var dir = new TempDirectory("scan");
        dir.WriteRandomFile("root/file", 10);
        File.CreateSymbolicLink(dir.Combine("root", "dangling"), "nowhere");
        Assert.Contains("'dangling' is a broken symbolic link", Assert.Throws<IOException>(() => TorrentContent.Scan(dir.Combine("root"))).Message);
    }

    [Fact]
    public void TwoLinksToOneFolderAreNotALoop()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("symbolic links need privileges on Windows");
        using var dir = new TempDirectory("scan");
        dir.WriteRandomFile("shared/f", 10);
        dir.WriteRandomFile("root/own", 10);
        Directory.CreateSymbolicLink(dir.Combine("root", "a"), dir.Combine("shared"));
        Directory.CreateSymbolicLink(dir.Combine("root", "b"), dir.Combine("shared"));
        Assert.Equal(["a/f", "b/f", "own"], TorrentContent.Scan(dir.Combine("root")).Files.Select(f => f.Path));
    }

    [Fact]
    public void RefusesNamesOtherClientsWouldRefuse()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("such names cannot be created on Windows");
        using var dir = new TempDirectory("scan");
        dir.WriteRandomFile("root/fine", 10);
        dir.WriteRandomFile("root/sub/bad\u0001name", 10);
        var ex = Assert.Throws<IOException>(() => TorrentContent.Scan(dir.Combine("root")));
        Assert.Contains("cannot share 'sub/bad", ex.Message);
        Assert.Contains("control character", ex.Message);
    }

    [Fact]
    public void TrailingSeparatorsAndDotsAreResolved()
    {
        using var dir = new TempDirectory("scan");
        dir.WriteRandomFile("root/f", 10);
        Assert.Equal("root", TorrentContent.Scan(dir.Combine("root") + "/").Name);
        Assert.Equal("root", TorrentContent.Scan(Path.Combine(dir.Combine("root"), "sub", "..")).Name);
        Assert.Throws<IOException>(() => TorrentContent.Scan("/"));
    }
}
