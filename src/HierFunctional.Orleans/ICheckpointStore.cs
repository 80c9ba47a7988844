using System;
using System.IO;
using System.Threading.Tasks;

namespace HierFunctional.Orleans;

/// <summary>
/// Where shards keep their specs and checkpoints: storage that outlives a silo (a shared directory, a blob store),
/// since a shard lost with its silo is rebuilt from it on another silo.
/// </summary>
public interface ICheckpointStore
{
    /// <summary>Stores <paramref name="data"/> under <paramref name="key"/>, replacing it atomically.</summary>
    Task WriteAsync(string key, byte[] data);

    /// <summary>The bytes under <paramref name="key"/>, or null when there are none.</summary>
    Task<byte[]?> ReadAsync(string key);

    /// <summary>Removes <paramref name="key"/> if present.</summary>
    Task DeleteAsync(string key);

    /// <summary>Removes every key that starts with <paramref name="prefix"/>.</summary>
    Task DeletePrefixAsync(string prefix);
}

/// <summary>A checkpoint store in a directory (one file per key), shared by every silo that may host a shard.</summary>
public sealed class DirectoryCheckpointStore : ICheckpointStore
{
    private readonly string root;

    /// <summary>A store in <paramref name="directory"/> (created if missing).</summary>
    public DirectoryCheckpointStore(string directory)
    {
        root = Path.GetFullPath(directory);
        Directory.CreateDirectory(root);
    }

    private string PathOf(string key) => Path.Combine(root, Uri.EscapeDataString(key));

    /// <inheritdoc/>
    public async Task WriteAsync(string key, byte[] data)
    {
        // a silo killed mid-write leaves the temporary file, never a torn checkpoint
        var path = PathOf(key);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllBytesAsync(temporary, data).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }

    /// <inheritdoc/>
    public async Task<byte[]?> ReadAsync(string key)
    {
        var path = PathOf(key);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path).ConfigureAwait(false) : null;
    }

    /// <inheritdoc/>
    public Task DeleteAsync(string key)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task DeletePrefixAsync(string prefix)
    {
        var escaped = Uri.EscapeDataString(prefix);
        foreach (var file in Directory.EnumerateFiles(root))
        {
            if (Path.GetFileName(file).StartsWith(escaped, StringComparison.Ordinal))
            {
                File.Delete(file);
            }
        }

        return Task.CompletedTask;
    }
}
