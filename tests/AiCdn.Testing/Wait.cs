namespace AiCdn.Testing;

/// <summary>Waits for a condition, never for a fixed time; fails with a message saying what did not happen.</summary>
public static class Wait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string whatShouldHappen)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception) when (!cancel.IsCancellationRequested)
            {
                // Not ready yet; try again.
            }

            try
            {
                await Task.Delay(50, cancel.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        throw new TimeoutException($"Within {timeout.TotalSeconds:0.#} s, expected: {whatShouldHappen}");
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string whatShouldHappen) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, whatShouldHappen);
}
