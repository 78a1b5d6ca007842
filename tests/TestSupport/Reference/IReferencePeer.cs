namespace Shoal.Tests.Support.Reference;

/// <summary>
/// A running BitTorrent peer that tests and benchmarks can treat alike, whatever program it is
/// (libtorrent, Transmission, aria2; later Shoal). Disposing it stops the program and removes its temporary files.
/// </summary>
public interface IReferencePeer : IAsyncDisposable
{
    /// <summary>The program, e.g. "libtorrent", "transmission", "aria2".</summary>
    string Name { get; }

    /// <summary>The TCP port the peer accepts BitTorrent connections on, on 127.0.0.1.</summary>
    int ListenPort { get; }

    /// <summary>The operating-system process to measure (CPU, RSS), or null for a peer running in-process.</summary>
    int? ProcessId { get; }

    /// <summary>
    /// Completes once the peer holds every wanted piece, verified: for a leecher, its download finished;
    /// for a seeder, its check of the existing data finished. Throws <see cref="TimeoutException"/> after
    /// <paramref name="timeout"/>, and <see cref="ReferencePeerException"/> if the program fails or exits first;
    /// both messages carry the program's recent output.
    /// </summary>
    Task WaitForCompletionAsync(TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>The command line, process state and recent output, for failure messages.</summary>
    string Describe();
}
