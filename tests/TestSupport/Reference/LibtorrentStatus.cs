namespace Shoal.Tests.Support.Reference;

/// <summary>One status line of lt_peer.py (rates in bytes per second, totals in payload bytes).</summary>
public sealed record LibtorrentStatus(
    string State,
    double Progress,
    long TotalDone,
    long TotalWanted,
    long DownloadRate,
    long UploadRate,
    long TotalDownload,
    long TotalUpload,
    int Peers,
    int Seeds,
    bool IsFinished,
    bool IsSeeding,
    bool Paused,
    string? Error);
