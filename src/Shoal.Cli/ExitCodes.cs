namespace Shoal.Cli;

/// <summary>The process exit codes of every shoal command (documented in the README).</summary>
public static class ExitCodes
{
    /// <summary>Done; for get, every piece verified.</summary>
    public const int Success = 0;
    /// <summary>An unexpected internal error (a bug: please report it).</summary>
    public const int InternalError = 1;
    /// <summary>A usage or configuration mistake: bad option, missing file, a requested port that is taken.</summary>
    public const int UsageError = 2;
    /// <summary>Invalid input data: a corrupt or unsafe .torrent, a malformed magnet link.</summary>
    public const int InvalidInput = 3;
    /// <summary>The network failed us: no tracker or peer reachable, the download could not complete.</summary>
    public const int NetworkError = 4;
    /// <summary>A disk problem: full disk, permission denied, I/O error.</summary>
    public const int DiskError = 5;
    /// <summary>Stopped by Ctrl+C / SIGTERM before finishing.</summary>
    public const int Interrupted = 130;
}
