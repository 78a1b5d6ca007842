namespace Shoal.Trackers;

/// <summary>Why a tracker request failed, so callers can react (and the CLI can explain) without parsing messages.</summary>
public enum TrackerErrorKind
{
    /// <summary>The tracker answered with a <c>failure reason</c> (HTTP) or an error packet (UDP).</summary>
    Failure,

    /// <summary>The tracker answered something that is not a valid tracker response.</summary>
    InvalidResponse,

    /// <summary>The tracker answered with an HTTP error status.</summary>
    HttpStatus,

    /// <summary>No answer in time.</summary>
    Timeout,

    /// <summary>The host could not be resolved or the connection was refused or reset.</summary>
    Unreachable,

    /// <summary>The URL itself cannot be used (unsupported scheme, missing port, …).</summary>
    InvalidUrl,
}
