using Shoal.Cli;

namespace Shoal.Tests.Cli;

public class InlineSocketCompletionsTests
{
    [Fact]
    public void Get_and_seed_run_socket_completions_inline_unless_the_user_said_otherwise()
    {
        string? saved = Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable);
        try
        {
            foreach (string[] args in new[] { new[] { "daemon" }, ["tracker"], ["demo"], [], ["--help"], ["info", "get"] })
            {
                Environment.SetEnvironmentVariable(InlineSocketCompletions.Variable, null);
                Assert.False(InlineSocketCompletions.ApplyFor(args));
                Assert.Null(Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable));
            }
            foreach (string[] args in new[] { new[] { "get", "x.torrent" }, ["seed", "file"] })
            {
                Environment.SetEnvironmentVariable(InlineSocketCompletions.Variable, null);
                Assert.True(InlineSocketCompletions.ApplyFor(args));
                Assert.Equal("1", Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable));
            }
            Environment.SetEnvironmentVariable(InlineSocketCompletions.Variable, "0");
            Assert.False(InlineSocketCompletions.ApplyFor(["get", "x.torrent"]));
            Assert.Equal("0", Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable));
        }
        finally
        {
            Environment.SetEnvironmentVariable(InlineSocketCompletions.Variable, saved);
        }
    }
}
