namespace Shoal.Storage;

/// <summary>
/// What a resume record remembers of a file to tell whether it changed since: size, mtime, and where the system knows
/// them (Linux) the inode and ctime, which no unprivileged program can set back (`touch -r` restores only the mtime).
/// </summary>
internal readonly record struct FileStamp(long Size, long ModifiedTicks, long ChangedTicks = 0, long Inode = 0)
{
    public static FileStamp Missing => new(-1, 0);
}
