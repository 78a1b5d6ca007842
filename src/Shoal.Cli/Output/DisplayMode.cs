namespace Shoal.Cli.Output;

internal enum DisplayMode
{
    /// <summary>A live panel on a terminal; a plain line every few seconds when output is redirected.</summary>
    Live,
    /// <summary>Errors and the final line only.</summary>
    Quiet,
    /// <summary>One JSON object per line, once a second, for scripts.</summary>
    Json,
}
