using System.Runtime.InteropServices;

namespace Shoal.Storage;

/// <summary>
/// The Linux system calls a race-free walk under a download folder needs and .NET does not offer: openat with
/// O_NOFOLLOW, mkdirat, renameat, unlinkat, statx (inode and ctime too) and fsync of a folder.
/// Flag values differ between architectures; only the two families below are known here.
/// </summary>
internal static class LinuxFileCalls
{
    public const int ReadOnly = 0, ReadWrite = 2;
    public const int Create = 0x40, Exclusive = 0x80, NonBlocking = 0x800, CloseOnExec = 0x80000;
    public const int SymlinkNoFollow = 0x100, EmptyPath = 0x1000;
    public const uint BasicStats = 0x7ff;

    public const int ENOENT = 2, EACCES = 13, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EROFS = 30, ELOOP = 40, EPERM = 1;

    public const int TypeMask = 0xF000, TypeFile = 0x8000, TypeFolder = 0x4000, TypeLink = 0xA000;

    /// <summary>O_DIRECTORY and O_NOFOLLOW: asm-generic values (x86, x86-64, s390x, RISC-V, LoongArch) or the Arm/PowerPC ones.</summary>
    public static readonly (int Directory, int NoFollow) Flags = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X86 or Architecture.X64 or Architecture.S390x or Architecture.RiscV64 or Architecture.LoongArch64 => (0x10000, 0x20000),
        Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le => (0x4000, 0x8000),
        _ => (0, 0),
    };

    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && Flags.NoFollow != 0;

    public static int OpenDirectoryFlags => ReadOnly | Flags.Directory | CloseOnExec;

    [DllImport("libc", EntryPoint = "openat", SetLastError = true)]
    public static extern int OpenAt(int directory, string path, int flags, uint mode);

    [DllImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    public static extern int MakeDirectoryAt(int directory, string path, uint mode);

    [DllImport("libc", EntryPoint = "renameat", SetLastError = true)]
    public static extern int RenameAt(int fromDirectory, string from, int toDirectory, string to);

    [DllImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    public static extern int UnlinkAt(int directory, string path, int flags);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    public static extern int Statx(int directory, string path, int flags, uint mask, out StatX buffer);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static extern int FileSync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    public static int LastError => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>struct statx: the same layout on every Linux architecture (256 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    public struct StatX
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint Links;
        public uint UserId;
        public uint GroupId;
        public ushort Mode;
        private ushort _spare0;
        public ulong Inode;
        public ulong Size;
        public ulong Blocks;
        public ulong AttributesMask;
        public StatXTime AccessTime;
        public StatXTime BirthTime;
        public StatXTime ChangeTime;
        public StatXTime ModifyTime;
        public uint RdevMajor;
        public uint RdevMinor;
        public uint DeviceMajor;
        public uint DeviceMinor;

        public readonly int Type => Mode & TypeMask;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct StatXTime
    {
        public long Seconds;
        public uint Nanoseconds;
        private int _reserved;

        /// <summary>As .NET ticks since 0001-01-01 UTC, like <see cref="DateTime.Ticks"/>.</summary>
        public readonly long Ticks => DateTime.UnixEpoch.Ticks + Seconds * TimeSpan.TicksPerSecond + Nanoseconds / 100;
    }
}
