namespace Shoal.Tests.Support.Reference;

/// <summary>
/// A kind of peer program that interop tests and whole-program benchmarks can put on either side of a transfer.
/// Implementations: <see cref="LibtorrentParticipant"/> ("lt"), <see cref="Aria2Participant"/> ("aria2"),
/// <see cref="TransmissionParticipant"/> ("tr"). Shoal joins as one more implementation (e.g. "shoal", running the
/// `shoal seed` / `shoal get --json` commands) registered in <see cref="TransferParticipants"/>.
/// </summary>
public interface ITransferParticipant
{
    /// <summary>Short name used on command lines and in test names: "lt", "aria2", "tr".</summary>
    string Kind { get; }

    ParticipantCapabilities Capabilities { get; }

    /// <summary>Null when the program is installed, otherwise why it cannot run here.</summary>
    string? Unavailable();

    /// <summary>Starts the peer; it is listening when the task completes. Throws <see cref="NotSupportedException"/>
    /// when <paramref name="setup"/> asks for something the kind cannot do (see <see cref="Capabilities"/>).</summary>
    Task<IReferencePeer> StartAsync(TransferRole role, TransferSetup setup, CancellationToken cancellationToken = default);
}
