using System.Net;
using Microsoft.Extensions.Logging;
using Shoal.Client;

namespace Shoal.Daemon;

/// <summary>How <c>shoal daemon</c> runs: where its state and downloads live, the engine's options, and the RPC endpoint.</summary>
public sealed record DaemonOptions
{
    /// <summary>Holds session.db (torrents, settings, statistics) and resume/ (what each torrent has verified).</summary>
    public required string StateDirectory { get; init; }

    /// <summary>Where torrents go unless told otherwise; the stored session setting (session-set download-dir) wins once set.</summary>
    public required string DownloadDirectory { get; init; }

    /// <summary>The peer engine's options (listening address and port, global limits, trackers, PEX, LSD).</summary>
    public ClientOptions Client { get; init; } = new();

    public RpcOptions Rpc { get; init; } = new();

    /// <summary>Torrents whose data is opened (and, without a valid resume record, hashed) at once.</summary>
    public int MaxConcurrentChecks { get; init; } = 4;

    /// <summary>How often changed transfer counters are written to the state database (what a crash can lose).</summary>
    public TimeSpan CounterFlushInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public ILoggerFactory? Loggers { get; init; }
}

/// <summary>The Transmission RPC endpoint and its protections.</summary>
public sealed record RpcOptions
{
    public const int DefaultPort = 9091;

    public const string Path = "/transmission/rpc";

    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>0 = any free port (tests).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>Basic-auth user name; with <see cref="Password"/>, required on every request.</summary>
    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>Host names (besides localhost and IP literals) a request's Host header may carry; '*' matches any run of characters.</summary>
    public IReadOnlyList<string> HostWhitelist { get; init; } = [];

    /// <summary>Largest request body accepted (a base64 .torrent of ~7 MB fits in the default).</summary>
    public long MaxRequestBodyBytes { get; init; } = 10 * 1024 * 1024;

    public bool RequiresAuthentication => Username is not null && Password is not null;
}
