namespace Shoal.Tests.Daemon;

public sealed class RpcDispatcherTests
{
    [Fact]
    public async Task A_response_echoes_the_tag_and_carries_arguments_and_result()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var response = await daemon.CallAsync("session-get", new { fields = new[] { "rpc-version" } }, tag: 912313);
        Assert.Equal("success", response.GetProperty("result").GetString());
        Assert.Equal(912313, response.GetProperty("tag").GetInt64());
        Assert.Equal(17, response.GetProperty("arguments").GetProperty("rpc-version").GetInt32());
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{}", "no method name")]
    [InlineData("{\"method\": 5}", "no method name")]
    [InlineData("{\"method\": \"torrent-frobnicate\"}", "method name not recognized")]
    public async Task Malformed_requests_get_an_error_result_and_empty_arguments(string body, string expected)
    {
        await using var daemon = await TestDaemon.StartAsync();
        var response = await daemon.RawAsync(body);
        Assert.Contains(expected, response.GetProperty("result").GetString());
        Assert.Empty(response.GetProperty("arguments").EnumerateObject());
    }

    [Fact]
    public async Task Nesting_deeper_than_the_bound_is_refused_without_running_anything()
    {
        await using var daemon = await TestDaemon.StartAsync();
        string deep = new string('[', 100) + new string(']', 100);
        var response = await daemon.RawAsync($"{{\"method\": \"session-get\", \"arguments\": {{\"fields\": {deep}}}}}");
        Assert.Contains("not valid JSON", response.GetProperty("result").GetString());
    }

    [Fact]
    public async Task The_dispatcher_implements_every_method_of_the_issue()
    {
        await using var daemon = await TestDaemon.StartAsync();
        string[] expected =
        [
            "torrent-add", "torrent-get", "torrent-set", "torrent-remove", "torrent-start", "torrent-start-now", "torrent-stop", "torrent-verify",
            "torrent-reannounce", "torrent-set-location", "torrent-rename-path", "session-get", "session-set", "session-stats", "session-close",
            "queue-move-top", "queue-move-up", "queue-move-down", "queue-move-bottom", "free-space", "port-test", "blocklist-update", "group-set", "group-get",
        ];
        Assert.Equal(expected.Order(), daemon.Rpc.Methods.Order());
    }
}
