using System.Security.Cryptography;
using Sandbox.Actors.Storage;

namespace Sandbox.Tests.Storage;

/// <summary>
/// What every <see cref="IObjectStore"/> owes its callers. Each implementation runs these facts
/// through a subclass, so the directory store and the GCS store satisfy one contract.
/// </summary>
public abstract class ObjectStoreContract : IAsyncLifetime
{
    protected IObjectStore Store { get; private set; } = null!;

    protected abstract Task<IObjectStore> CreateStoreAsync();
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public async Task DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        await CleanUpAsync();
        _timeout.Dispose();
    }

    [Fact]
    public async Task A_put_object_reads_back_with_the_same_bytes_size_and_sha256()
    {
        var content = RandomBytes(300_000);

        var stored = await Store.PutAsync("sandbox-1/checkpoint.bin", new OneWayStream(content), Ct);

        Assert.Equal("sandbox-1/checkpoint.bin", stored.Key);
        Assert.Equal(content.Length, stored.Size);
        Assert.Equal(Sha256Hex(content), stored.Sha256);
        Assert.Equal(content, await ReadAllAsync("sandbox-1/checkpoint.bin"));
    }

    [Fact]
    public async Task A_put_to_an_existing_key_replaces_the_object()
    {
        await Store.PutAsync("sandbox-1/state", new MemoryStream("first version"u8.ToArray()), Ct);

        var second = await Store.PutAsync("sandbox-1/state", new MemoryStream("second"u8.ToArray()), Ct);

        Assert.Equal(6, second.Size);
        Assert.Equal("second"u8.ToArray(), await ReadAllAsync("sandbox-1/state"));
        Assert.Equal(["sandbox-1/state"], await Store.ListAsync("sandbox-1/", Ct));
    }

    [Fact]
    public async Task Listing_gives_the_keys_that_start_with_the_prefix_in_ordinal_order()
    {
        foreach (var key in new[] { "s1/b", "s10/x", "s1/a", "other/y", "s1/c/d" })
            await Store.PutAsync(key, new MemoryStream([1, 2, 3]), Ct);

        Assert.Equal(["s1/a", "s1/b", "s1/c/d"], await Store.ListAsync("s1/", Ct));
        Assert.Equal(["s1/a", "s1/b", "s1/c/d", "s10/x"], await Store.ListAsync("s1", Ct));
        Assert.Equal(["other/y", "s1/a", "s1/b", "s1/c/d", "s10/x"], await Store.ListAsync("", Ct));
        Assert.Empty(await Store.ListAsync("nothing/", Ct));
    }

    [Fact]
    public async Task Deleting_a_missing_object_is_fine()
    {
        await Store.DeleteAsync("never/written", Ct);
    }

    [Fact]
    public async Task Reading_a_missing_object_gives_null()
    {
        Assert.Null(await Store.OpenReadAsync("never/written", Ct));
    }

    [Fact]
    public async Task A_deleted_object_can_no_longer_be_read_or_listed()
    {
        await Store.PutAsync("sandbox-2/snapshot", new MemoryStream([42]), Ct);

        await Store.DeleteAsync("sandbox-2/snapshot", Ct);

        Assert.Null(await Store.OpenReadAsync("sandbox-2/snapshot", Ct));
        Assert.Empty(await Store.ListAsync("sandbox-2/", Ct));
    }

    [Fact]
    public async Task An_empty_object_round_trips()
    {
        var stored = await Store.PutAsync("empty", new OneWayStream([]), Ct);

        Assert.Equal(0, stored.Size);
        Assert.Equal(Sha256Hex([]), stored.Sha256);
        Assert.Empty(await ReadAllAsync("empty"));
    }

    /// <summary>Generous, so a hung request fails the test instead of hanging the run.</summary>
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    protected CancellationToken Ct => _timeout.Token;

    protected async Task<byte[]> ReadAllAsync(string key)
    {
        await using var stream = await Store.OpenReadAsync(key, Ct) ?? throw new Xunit.Sdk.XunitException($"{key} is missing");
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    protected static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    protected static string Sha256Hex(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Content that can be read once, front to back, like a pipe from a checkpointing process.</summary>
    protected sealed class OneWayStream(byte[] content) : Stream
    {
        private readonly MemoryStream _inner = new(content, writable: false);
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

public sealed class DirectoryObjectStoreSpec : ObjectStoreContract
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "object-store-spec-" + Guid.NewGuid().ToString("N"));

    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(new DirectoryObjectStore(_root));

    protected override Task CleanUpAsync()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The GCS store, with the real Google client, against <see cref="FakeGcsServer"/>.</summary>
public sealed class GcsObjectStoreSpec : ObjectStoreContract
{
    private const string Bucket = "sandbox-checkpoints";
    private const string Prefix = "checkpoints/";
    private FakeGcsServer _fake = null!;

    protected override async Task<IObjectStore> CreateStoreAsync()
    {
        _fake = await FakeGcsServer.StartAsync();
        return new GcsObjectStore(Bucket, Prefix, _fake.Endpoint.ToString());
    }

    protected override async Task CleanUpAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task A_put_to_an_existing_key_gets_a_new_generation()
    {
        var first = await Store.PutAsync("sandbox-1/state", new MemoryStream([1]), Ct);
        var second = await Store.PutAsync("sandbox-1/state", new MemoryStream([2]), Ct);

        Assert.True(second.Generation > first.Generation, $"{second.Generation} should be newer than {first.Generation}");
        Assert.Equal(second.Generation, _fake.GenerationOf(Bucket, Prefix + "sandbox-1/state"));
    }

    [Fact]
    public async Task Objects_live_under_the_store_prefix_and_are_listed_without_it()
    {
        _fake.WriteObject(Bucket, "elsewhere/sandbox-1/state", [9]);

        await Store.PutAsync("sandbox-1/state", new MemoryStream([1]), Ct);

        Assert.Equal(["checkpoints/sandbox-1/state", "elsewhere/sandbox-1/state"], _fake.ObjectNames(Bucket));
        Assert.Equal(["sandbox-1/state"], await Store.ListAsync("", Ct));
    }

    [Fact]
    public async Task A_failing_service_gives_an_ObjectStoreException_and_leaves_no_visible_object()
    {
        await Store.PutAsync("sandbox-1/old", new MemoryStream("old"u8.ToArray()), Ct);
        _fake.FailUploads = true;

        var failedNew = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutAsync("sandbox-1/new", new OneWayStream(RandomBytes(1000)), Ct));
        await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutAsync("sandbox-1/old", new OneWayStream(RandomBytes(1000)), Ct));

        _fake.FailUploads = false;
        Assert.Contains("503", failedNew.Message);
        Assert.Null(await Store.OpenReadAsync("sandbox-1/new", Ct));
        Assert.Equal("old"u8.ToArray(), await ReadAllAsync("sandbox-1/old"));
        Assert.Equal(["sandbox-1/old"], await Store.ListAsync("", Ct));
    }

    [Fact]
    public async Task A_service_that_fails_partway_through_a_large_upload_leaves_no_visible_object()
    {
        _fake.FailUploadsAfterReceiving = 1;

        await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutAsync("sandbox-1/memory.img", new OneWayStream(RandomBytes(12 * 1024 * 1024)), Ct));

        // The first 10 MiB chunk was accepted before the failure, yet nothing is visible.
        Assert.Contains(_fake.Requests, r => r.StartsWith("PUT /upload/", StringComparison.Ordinal));
        Assert.Empty(_fake.ObjectNames(Bucket));
        Assert.Null(await Store.OpenReadAsync("sandbox-1/memory.img", Ct));
    }

    [Fact]
    public async Task A_twelve_megabyte_object_round_trips_through_a_chunked_upload()
    {
        var content = RandomBytes(12 * 1024 * 1024);

        var stored = await Store.PutAsync("sandbox-1/memory.img", new OneWayStream(content), Ct);

        Assert.Equal(content.Length, stored.Size);
        Assert.Equal(Sha256Hex(content), stored.Sha256);
        Assert.Equal(content, await ReadAllAsync("sandbox-1/memory.img"));
        // Larger than the client's 10 MiB chunk, so the resumable session took more than one PUT.
        Assert.True(_fake.Requests.Count(r => r.StartsWith("PUT /upload/", StringComparison.Ordinal)) >= 2, string.Join("\n", _fake.Requests));
    }

    [Fact]
    public async Task A_put_that_loses_a_race_with_another_writer_retries_once_and_replaces_its_version()
    {
        await Store.PutAsync("sandbox-1/state", new MemoryStream([1]), Ct);
        long? competing = null;
        _fake.BeforeUploadIsCommitted = (bucket, name) => competing ??= _fake.WriteObject(bucket, name, [7, 7, 7]);

        var stored = await Store.PutAsync("sandbox-1/state", new MemoryStream([2, 2]), Ct);

        Assert.NotNull(competing);
        Assert.True(stored.Generation > competing, "the retry should have replaced the competing version");
        Assert.Equal(2, stored.Size);
        Assert.Equal([2, 2], await ReadAllAsync("sandbox-1/state"));
    }

    [Fact]
    public async Task A_put_that_keeps_losing_races_gives_an_ObjectStoreException_and_the_other_writer_wins()
    {
        _fake.BeforeUploadIsCommitted = (bucket, name) => _fake.WriteObject(bucket, name, [7]);

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutAsync("sandbox-1/state", new MemoryStream([2]), Ct));

        Assert.Contains("another writer", e.Message);
        Assert.Equal([7], await ReadAllAsync("sandbox-1/state"));
    }

    [Fact]
    public async Task A_put_from_a_one_way_stream_that_loses_a_race_cannot_retry_and_says_so()
    {
        _fake.BeforeUploadIsCommitted = (bucket, name) => _fake.WriteObject(bucket, name, [7]);

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutAsync("sandbox-1/state", new OneWayStream([2]), Ct));

        Assert.Contains("cannot be re-read", e.Message);
    }

    [Fact]
    public async Task A_corrupted_object_is_refused_when_read()
    {
        await Store.PutAsync("sandbox-1/state", new MemoryStream(RandomBytes(4096)), Ct);
        _fake.RawBytes(Bucket, Prefix + "sandbox-1/state")![100] ^= 0xFF;

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.OpenReadAsync("sandbox-1/state", Ct));

        Assert.Contains("hash", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Listing_follows_page_tokens_across_pages()
    {
        _fake.ListPageSize = 2;
        var keys = Enumerable.Range(0, 5).Select(i => $"sandbox-{i}/state").ToList();
        foreach (var key in keys) await Store.PutAsync(key, new MemoryStream([1]), Ct);

        Assert.Equal(keys, await Store.ListAsync("sandbox-", Ct));
        Assert.Contains(_fake.Requests, r => r.Contains("pageToken=", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task STORAGE_EMULATOR_HOST_points_the_checkpoint_bucket_at_the_emulator_with_or_without_a_scheme(bool withScheme)
    {
        var host = withScheme ? _fake.Endpoint.GetLeftPart(UriPartial.Authority) : _fake.Endpoint.Authority;
        var settings = Sandbox.Host.Configuration.SandboxHostSettings.FromEnvironment(name => name switch
        {
            "SANDBOX_CHECKPOINT_BUCKET" => Bucket,
            "STORAGE_EMULATOR_HOST" => host,
            _ => null,
        });
        using var store = (GcsObjectStore)Sandbox.Host.Configuration.StorageWiring.Stores(settings).Checkpoints!;

        await store.PutAsync("from-env/k", new MemoryStream([5]), Ct);

        Assert.Equal([5], _fake.RawBytes(Bucket, "from-env/k"));
        Assert.Contains(_fake.Endpoint.Authority, store.Description);
    }

    [Fact]
    public void Without_an_emulator_the_store_is_built_without_touching_credentials()
    {
        var settings = Sandbox.Host.Configuration.SandboxHostSettings.FromEnvironment(name => name == "SANDBOX_CHECKPOINT_BUCKET" ? "real-bucket" : null);
        using var store = (GcsObjectStore)Sandbox.Host.Configuration.StorageWiring.Stores(settings).Checkpoints!;

        Assert.Equal("gs://real-bucket/", store.Description);
    }
}

/// <summary>
/// The fake's simple and multipart uploads, which StorageClient never sends (it always uses
/// resumable sessions), checked with plain HTTP so they are not dead, untested code.
/// </summary>
public sealed class FakeGcsServerSpec : IAsyncLifetime
{
    private FakeGcsServer _fake = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeGcsServer.StartAsync();
        _http = new HttpClient { BaseAddress = _fake.Endpoint };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task A_media_upload_stores_the_body_under_the_name_in_the_query()
    {
        var response = await _http.PostAsync("upload/storage/v1/b/bkt/o?uploadType=media&name=a%2Fb", new ByteArrayContent([1, 2, 3]));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal([1, 2, 3], _fake.RawBytes("bkt", "a/b"));
        var metadata = await _http.GetStringAsync("storage/v1/b/bkt/o/a%2Fb");
        Assert.Contains("\"size\":\"3\"", metadata);
        Assert.Contains($"\"generation\":\"{_fake.GenerationOf("bkt", "a/b")}\"", metadata);
    }

    [Fact]
    public async Task A_multipart_upload_takes_the_name_from_the_metadata_part()
    {
        var content = new MultipartContent("related")
        {
            new StringContent("{\"name\":\"dir/obj\"}", System.Text.Encoding.UTF8, "application/json"),
            new ByteArrayContent([4, 5]),
        };

        var response = await _http.PostAsync("upload/storage/v1/b/bkt/o?uploadType=multipart", content);

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal([4, 5], _fake.RawBytes("bkt", "dir/obj"));
    }

    [Fact]
    public async Task An_upload_with_ifGenerationMatch_0_is_refused_with_412_when_the_object_exists()
    {
        _fake.WriteObject("bkt", "taken", [1]);

        var response = await _http.PostAsync("upload/storage/v1/b/bkt/o?uploadType=media&name=taken&ifGenerationMatch=0", new ByteArrayContent([2]));

        Assert.Equal(412, (int)response.StatusCode);
        Assert.Equal([1], _fake.RawBytes("bkt", "taken"));
    }

    [Fact]
    public async Task An_upload_whose_declared_crc32c_does_not_match_is_refused()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "upload/storage/v1/b/bkt/o?uploadType=media&name=x") { Content = new ByteArrayContent([1]) };
        request.Headers.TryAddWithoutValidation("x-goog-hash", "crc32c=AAAAAA==");

        var response = await _http.SendAsync(request);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Empty(_fake.ObjectNames("bkt"));
    }

    [Fact]
    public void Crc32c_matches_the_published_check_value()
    {
        // CRC-32C of "123456789" is 0xE3069283.
        Assert.Equal(0xE3069283u, FakeGcsServer.Crc32c.Compute("123456789"u8));
    }
}
