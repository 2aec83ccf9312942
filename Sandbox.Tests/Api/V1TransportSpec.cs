using System.Net;
using System.Net.WebSockets;
using System.Text;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Api;

/// <summary>
/// What the REST layer itself answers (API-v1.md §1) before a sandbox is involved: malformed JSON,
/// wrong field types, content types, body limits and query parameters, each a problem whose detail
/// says what to change.
/// </summary>
public class V1TransportSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Sandbox = "/v1/sandboxes/sandbox-00000000000000000000000000000000";

    [Fact]
    public async Task Malformed_json_is_a_400_that_asks_for_one_json_object()
    {
        using var v1 = new V1Http(server);
        var detail = (await v1.SendAsync(HttpMethod.Post, "/v1/sandboxes", rawBody: "{\"idle_timeout\": 60,")).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("not valid JSON", detail);
        Assert.Contains("line 1", detail);
        Assert.Contains("JSON object", (await v1.SendAsync(HttpMethod.Post, "/v1/sandboxes", rawBody: "[1, 2]")).Problem(HttpStatusCode.BadRequest));
        Assert.Contains("JSON object", (await v1.SendAsync(HttpMethod.Post, Sandbox + "/fork", rawBody: "\"three\"")).Problem(HttpStatusCode.BadRequest));
    }

    [Theory]
    [InlineData("/v1/sandboxes", "{\"idle_timeout\": \"soon\"}", "idle_timeout", "number")]
    [InlineData("/v1/sandboxes", "{\"enable_checkpoint\": \"yes\"}", "enable_checkpoint", "boolean")]
    [InlineData("/v1/sandboxes", "{\"labels\": {\"team\": 5}}", "labels.team", "strings")]
    [InlineData("/v1/sandboxes", "{\"labels\": [\"team\"]}", "labels", "object")]
    [InlineData("/v1/sandboxes", "{\"network\": \"none\"}", "network", "object")]
    [InlineData(Sandbox + "/fork", "{\"count\": \"three\"}", "count", "whole number")]
    [InlineData(Sandbox + "/fork", "{\"count\": 2.5}", "count", "whole number")]
    [InlineData(Sandbox + "/ttl", "{\"ttl_seconds\": \"600\"}", "ttl_seconds", "number")]
    [InlineData(Sandbox + "/processes", "{\"cmd\": \"python3 worker.py\"}", "cmd", "array of strings")]
    [InlineData(Sandbox + "/processes", "{\"cmd\": [\"echo\", 1]}", "cmd[1]", "strings")]
    [InlineData(Sandbox + "/processes", "{\"pty\": {\"cols\": \"wide\", \"rows\": 40}}", "pty.cols", "")]
    [InlineData(Sandbox + "/processes/p-1/resize", "{\"cols\": true, \"rows\": 30}", "cols", "whole number")]
    public async Task A_field_of_the_wrong_type_is_a_422_that_names_the_field(string path, string body, string field, string expected)
    {
        using var v1 = new V1Http(server);
        var a = await v1.SendAsync(HttpMethod.Post, path, rawBody: body);
        var detail = a.Problem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(field, a.Field);
        Assert.Contains($"'{field}'", detail);
        Assert.Contains(expected, detail);
    }

    [Theory]
    [InlineData(Sandbox + "/ttl", "{}", "ttl_seconds")]
    [InlineData(Sandbox + "/processes/p-1/signal", "{}", "signal")]
    [InlineData(Sandbox + "/processes/p-1/resize", "{\"rows\": 30}", "cols")]
    [InlineData(Sandbox + "/processes/p-1/resize", "{\"cols\": 100}", "rows")]
    public async Task A_missing_required_field_is_a_422_that_names_it(string path, string body, string field)
    {
        using var v1 = new V1Http(server);
        var a = await v1.SendAsync(HttpMethod.Post, path, rawBody: body);
        Assert.Contains("required", a.Problem(HttpStatusCode.UnprocessableEntity));
        Assert.Equal(field, a.Field);
        var network = await v1.SendAsync(HttpMethod.Put, Sandbox + "/network", rawBody: "{\"allow\": [\"10.0.0.0/8\"]}");
        network.Problem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("egress", network.Field);
    }

    [Fact]
    public async Task A_form_body_is_a_415_that_asks_for_json()
    {
        using var v1 = new V1Http(server);
        var detail = (await v1.SendAsync(HttpMethod.Post, "/v1/sandboxes", rawBody: "idle_timeout=60", contentType: "application/x-www-form-urlencoded"))
            .Problem(HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("Content-Type: application/json", detail);
    }

    [Fact]
    public async Task A_json_body_over_the_limit_is_a_413_that_names_the_limit()
    {
        using var v1 = new V1Http(server);
        var big = "{\"language\": \"python\", \"code\": \"" + new string('x', 17 * 1024 * 1024) + "\"}";
        using var req = new HttpRequestMessage(HttpMethod.Post, Sandbox + "/processes") { Content = new StringContent(big, Encoding.UTF8, "application/json") };
        req.Headers.ExpectContinue = true;   // as curl does for a large body: the server refuses before it is sent
        using var resp = await v1.Http.SendAsync(req);
        var detail = new Answer(resp.StatusCode, resp.Content.Headers.ContentType?.MediaType, await resp.Content.ReadAsStringAsync(), null, null)
            .Problem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains((16 * 1024 * 1024).ToString(), detail);
    }

    [Theory]
    [InlineData("GET", Sandbox + "/files", "path")]
    [InlineData("PUT", Sandbox + "/files", "path")]
    [InlineData("GET", Sandbox + "/files/list?path=/data&depth=deep", "depth")]
    [InlineData("GET", Sandbox + "/files/list?path=/data&depth=0", "depth")]
    [InlineData("PUT", Sandbox + "/files?path=/a&mode=0999", "mode")]
    [InlineData("DELETE", Sandbox + "/files?path=/a&recursive=perhaps", "recursive")]
    [InlineData("GET", Sandbox + "/files/watch?path=/a&recursive=2", "recursive")]
    [InlineData("GET", Sandbox + "/processes/p-1/output?offset=-1", "offset")]
    [InlineData("GET", Sandbox + "/processes/p-1/output?follow=maybe", "follow")]
    [InlineData("GET", Sandbox + "/processes/p-1/output?encoding=hex", "encoding")]
    [InlineData("POST", Sandbox + "/processes/p-1/stdin?eof=soon", "eof")]
    [InlineData("GET", "/v1/sandboxes?label=team", "label")]
    [InlineData("GET", "/v1/sandboxes?label=team=a&label=team=b", "team")]
    public async Task A_bad_query_parameter_is_a_400_that_names_it(string method, string path, string name)
    {
        using var v1 = new V1Http(server);
        var detail = (await v1.SendAsync(new HttpMethod(method), path, rawBody: method is "PUT" or "POST" ? "x" : null, contentType: "application/octet-stream"))
            .Problem(HttpStatusCode.BadRequest);
        Assert.Contains($"'{name}'", detail);
    }

    [Fact]
    public async Task The_terminal_route_answers_a_plain_request_with_a_400_that_asks_for_a_websocket()
    {
        using var v1 = new V1Http(server);
        Assert.Contains("WebSocket", (await v1.GetAsync(Sandbox + "/processes/p-1/attach")).Problem(HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Unknown_v1_paths_and_methods_are_not_found_or_not_allowed()
    {
        using var v1 = new V1Http(server);
        Assert.Equal(HttpStatusCode.NotFound, (await v1.GetAsync("/v1/nothing-here")).Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await v1.SendAsync(HttpMethod.Patch, "/v1/sandboxes", rawBody: "{}")).Status);
    }
}

/// <summary>API-v1.md §1 with API keys configured: every /v1 route needs one, before anything else is looked at.</summary>
public class V1KeysSpec(KeyedV1Fixture server) : IClassFixture<KeyedV1Fixture>
{
    [Fact]
    public async Task Every_v1_route_without_a_key_is_a_401_problem_that_says_how_to_send_one()
    {
        using var v1 = new V1Http(server);
        foreach (var (method, template) in OpenApiSpec.Routes)
        {
            var path = template.Replace("{id}", "sandbox-00000000000000000000000000000000").Replace("{pid}", "p-1") + "?path=/a";
            using var req = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path);
            if (method is "post" or "put") req.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            using var resp = await v1.Http.SendAsync(req);
            var a = new Answer(resp.StatusCode, resp.Content.Headers.ContentType?.MediaType, await resp.Content.ReadAsStringAsync(), null, null);
            Assert.Contains("Authorization: Bearer", a.Problem(HttpStatusCode.Unauthorized));
            Assert.Equal("Bearer", resp.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    [Fact]
    public async Task A_wrong_key_is_a_401_and_the_terminal_socket_is_refused_before_the_upgrade()
    {
        using var wrong = new V1Http(server, KeyedV1Fixture.Key + "-not");
        Assert.Contains("not valid", (await wrong.GetAsync("/v1/sandboxes")).Problem(HttpStatusCode.Unauthorized));
        using var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() =>
            ws.ConnectAsync(new Uri(server.WsBase, "/v1/sandboxes/sandbox-00000000000000000000000000000000/processes/p-1/attach"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, ws.HttpStatusCode);
    }

    [Fact]
    public async Task The_openapi_document_needs_no_key()
    {
        using var anonymous = new V1Http(server);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/openapi/v1.json")).Status);
    }
}
