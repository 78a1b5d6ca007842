using Shoal.Cli.Output;
using Shoal.Storage;

namespace Shoal.Tests.Cli;

public class ByteSizeTests
{
    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(1023L, "1023 B")]
    [InlineData(1024L, "1 KiB")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(262_144L, "256 KiB")]
    [InlineData(350_000L, "341.8 KiB")]
    [InlineData(5_000_123L, "4.77 MiB")]
    [InlineData(4L << 30, "4 GiB")]
    [InlineData(long.MaxValue, "8 EiB")]
    [InlineData(-2048L, "-2 KiB")]
    public void Formats(long bytes, string expected) => Assert.Equal(expected, ByteSize.Format(bytes));

    [Theory]
    [InlineData("262144", 262_144L)]
    [InlineData("256K", 262_144L)]
    [InlineData("256k", 262_144L)]
    [InlineData("256KiB", 262_144L)]
    [InlineData("256 KiB", 262_144L)]
    [InlineData("256 kb", 256_000L)] // decimal units, as coreutils reads them
    [InlineData("10MB", 10_000_000L)]
    [InlineData("1.5M", 1_572_864L)]
    [InlineData("0.5GiB", 1L << 29)]
    [InlineData("4M", 4L << 20)]
    [InlineData("1g", 1L << 30)]
    [InlineData("2T", 2L << 40)]
    [InlineData("10B", 10L)]
    public void Parses(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out long bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("K")]
    [InlineData("-1")]
    [InlineData("1.5.1M")]
    [InlineData("1Mb/s")]
    [InlineData("12Q")]
    [InlineData("99999999999999999999")]
    [InlineData("9999999999T")]
    public void RejectsNonSizes(string? text) => Assert.False(ByteSize.TryParse(text, out _));

    [Fact]
    public void TerminalTextReplacesControlAndBidiCharacters()
    {
        Assert.Equal("a?[2Jb?c?", TerminalText.Safe("a\u001b[2Jb\u202ec\u0085"));
        Assert.Equal("plain é", TerminalText.Safe("plain é"));
        Assert.Equal("", TerminalText.Safe(null));
    }
}
