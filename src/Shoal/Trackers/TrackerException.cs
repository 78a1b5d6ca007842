using System.Text;

namespace Shoal.Trackers;

/// <summary>
/// A tracker answered <c>failure reason</c>, answered garbage, timed out or is unreachable. <see cref="Exception.Message"/>
/// is one line that names the tracker (without its query string, which may hold a passkey) and what went wrong.
/// </summary>
public class TrackerException : Exception
{
    public TrackerException(Uri tracker, TrackerErrorKind kind, string what, Exception? inner = null)
        : base($"tracker {Describe(tracker)} {what}", inner)
    {
        Tracker = tracker;
        Kind = kind;
    }

    /// <summary>For a string that is not a URL at all; <see cref="Tracker"/> is then null.</summary>
    public TrackerException(string tracker, TrackerErrorKind kind, string what)
        : base($"tracker {Printable(tracker, 120)} {what}")
    {
        Kind = kind;
    }

    public Uri? Tracker { get; }

    public TrackerErrorKind Kind { get; }

    /// <summary>The tracker's own words for a <see cref="TrackerErrorKind.Failure"/>, made printable; otherwise null.</summary>
    public string? FailureReason { get; init; }

    /// <summary>The URL as safe to print: scheme, host, port and path only.</summary>
    public static string Describe(Uri tracker) =>
        tracker.IsAbsoluteUri ? tracker.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : tracker.OriginalString;

    /// <summary>Makes text that came from the network fit on one short line: control characters replaced, length capped.</summary>
    public static string Printable(ReadOnlySpan<byte> utf8, int maxChars = 200) => Printable(Encoding.UTF8.GetString(utf8), maxChars);

    public static string Printable(string text, int maxChars = 200)
    {
        var builder = new StringBuilder(Math.Min(text.Length, maxChars + 1));
        foreach (char c in text)
        {
            if (builder.Length >= maxChars)
            {
                builder.Append('…');
                break;
            }
            builder.Append(char.IsControl(c) ? ' ' : c);
        }
        return builder.ToString().Trim();
    }
}
