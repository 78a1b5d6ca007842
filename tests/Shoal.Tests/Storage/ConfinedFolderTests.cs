using Shoal.Storage;
using Shoal.Tests.Support;

namespace Shoal.Tests.Storage;

/// <summary>The same rules from both implementations: the race-free Linux one and the portable one other systems use.</summary>
[Trait("Category", "Hostile")]
public class ConfinedFolderTests
{
    public static TheoryData<string> Kinds => OperatingSystem.IsLinux() && LinuxFileCalls.IsSupported ? new() { "linux", "portable" } : new() { "portable" };

    private static ConfinedFolder Make(string kind, string root) =>
        kind == "linux" ? new LinuxConfinedFolder(root) : new PortableConfinedFolder(root);

    private static (TempDirectory Dir, ConfinedFolder Folder, string Victim) Setup(string kind)
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("symbolic links need privileges on Windows");
        var dir = new TempDirectory("confined");
        string victim = dir.Combine("victim");
        File.WriteAllText(victim, "precious");
        Directory.CreateDirectory(dir.Combine("root"));
        return (dir, Make(kind, dir.Combine("root")), victim);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Files_are_created_with_their_folders_and_reopened(string kind)
    {
        var (dir, folder, _) = Setup(kind);
        using var _d = dir;
        using (var created = folder.Open(["a", "b", "f"], OpenMode.OpenOrCreate)!.Value.Handle) RandomAccess.Write(created, "hi"u8, 0);
        Assert.Equal(EntryKind.File, folder.Inspect(["a", "b", "f"]).Kind);
        Assert.Equal(2, folder.Inspect(["a", "b", "f"]).Stamp.Size);
        Assert.Equal(EntryKind.Folder, folder.Inspect(["a", "b"]).Kind);
        Assert.Equal(EntryKind.Missing, folder.Inspect(["a", "nope", "f"]).Kind);
        Assert.Null(folder.Open(["a", "b", "g"], OpenMode.Existing));
        using var opened = folder.Open(["a", "b", "f"], OpenMode.Existing)!.Value.Handle;
        Assert.Equal(2, RandomAccess.GetLength(opened));
        Assert.Equal(2, folder.Stamp(opened).Size);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_link_in_place_of_a_file_is_never_opened_renamed_onto_or_renamed(string kind)
    {
        var (dir, folder, victim) = Setup(kind);
        using var _d = dir;
        File.CreateSymbolicLink(dir.Combine("root", "link"), victim);
        File.WriteAllText(dir.Combine("root", "plain"), "x");

        Assert.Equal(EntryKind.Link, folder.Inspect(["link"]).Kind);
        foreach (var mode in new[] { OpenMode.Existing, OpenMode.OpenOrCreate, OpenMode.CreateNew })
            Assert.Throws<SymbolicLinkException>(() => folder.Open(["link"], mode));
        Assert.Throws<SymbolicLinkException>(() => folder.Rename(["plain"], ["link"]));
        Assert.Throws<SymbolicLinkException>(() => folder.Rename(["link"], ["renamed"]));
        Assert.False(File.Exists(dir.Combine("root", "renamed")));
        Assert.Equal("precious", File.ReadAllText(victim));
        folder.Delete(["link"]);
        Assert.True(File.Exists(victim));
        Assert.False(File.Exists(dir.Combine("root", "link")));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_folder_link_is_followed_only_inside_the_root(string kind)
    {
        var (dir, folder, _) = Setup(kind);
        using var _d = dir;
        Directory.CreateDirectory(dir.Combine("outside"));
        Directory.CreateDirectory(dir.Combine("root", "real"));
        Directory.CreateSymbolicLink(dir.Combine("root", "out"), dir.Combine("outside"));
        Directory.CreateSymbolicLink(dir.Combine("root", "in"), "real");

        var error = Assert.Throws<SymbolicLinkException>(() => folder.Open(["out", "f"], OpenMode.OpenOrCreate));
        Assert.Equal(dir.Combine("root", "out"), error.Path);
        Assert.Throws<SymbolicLinkException>(() => folder.Inspect(["out", "f"]));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Combine("outside")));

        folder.Open(["in", "f"], OpenMode.OpenOrCreate)!.Value.Handle.Dispose();
        Assert.True(File.Exists(dir.Combine("root", "real", "f")));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_root_itself_may_be_reached_through_a_link(string kind)
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("symbolic links need privileges on Windows");
        using var dir = new TempDirectory("confined");
        Directory.CreateDirectory(dir.Combine("data"));
        Directory.CreateSymbolicLink(dir.Combine("downloads"), dir.Combine("data"));
        var folder = Make(kind, dir.Combine("downloads"));
        folder.Open(["t", "f"], OpenMode.OpenOrCreate)!.Value.Handle.Dispose();
        Assert.True(File.Exists(dir.Combine("data", "t", "f")));
        Assert.Equal(dir.Combine("downloads", "t", "f"), folder.FullPath(["t", "f"]));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_file_where_a_folder_should_be_is_a_clear_error(string kind)
    {
        var (dir, folder, _) = Setup(kind);
        using var _d = dir;
        File.WriteAllText(dir.Combine("root", "a"), "x");
        var error = Assert.ThrowsAny<IOException>(() => folder.Open(["a", "f"], OpenMode.OpenOrCreate));
        Assert.Equal($"{dir.Combine("root", "a")} is a file, but the torrent has a folder there", error.Message);
    }
}
