using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// A symbolic link where a torrent's file, folder or resume record should be, that Shoal refuses to follow: one in place
/// of a file (always), or one in place of a folder that leads out of the download folder.
/// </summary>
public sealed class SymbolicLinkException : IOException
{
    private SymbolicLinkException(string message, string path) : base(message) => Path = path;

    /// <summary>The link's path.</summary>
    public string Path { get; }

    public static SymbolicLinkException InPlaceOfFile(string path, string? target) =>
        new($"{PrintableText.Of(path)} is a symbolic link{To(target)}: Shoal never reads or writes a torrent's files through links " +
            "(one planted there could make it overwrite another file); remove it and run again", path);

    public static SymbolicLinkException LeadsOutside(string path, string? target, string root) =>
        new($"{PrintableText.Of(path)} is a symbolic link{To(target)}, which leads out of the download folder {PrintableText.Of(root)}; " +
            "Shoal never follows links out of it: remove it and run again", path);

    private static string To(string? target) => target is null ? "" : $" to {PrintableText.Of(target)}";
}
