namespace Shoal.Trackers;

/// <summary>Picks the client for an announce URL by its scheme.</summary>
public static class TrackerClientFactory
{
    public static ITrackerClient Create(Uri announceUrl, TrackerClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(announceUrl);
        ArgumentNullException.ThrowIfNull(options);
        if (!announceUrl.IsAbsoluteUri)
            throw new TrackerException(announceUrl, TrackerErrorKind.InvalidUrl, "is not an absolute URL");
        return announceUrl.Scheme switch
        {
            "http" or "https" => new HttpTrackerClient(announceUrl, options),
            "udp" => new UdpTrackerClient(announceUrl, options),
            var other => throw new TrackerException(announceUrl, TrackerErrorKind.InvalidUrl, $"has unsupported scheme '{other}' (expected http, https or udp)"),
        };
    }

    /// <summary>Parses and creates in one step, so a malformed string also ends as a <see cref="TrackerException"/>.</summary>
    public static ITrackerClient Create(string announceUrl, TrackerClientOptions options)
    {
        if (!Uri.TryCreate(announceUrl, UriKind.Absolute, out var uri))
            throw new TrackerException(announceUrl, TrackerErrorKind.InvalidUrl, "is not a valid URL");
        return Create(uri, options);
    }
}
