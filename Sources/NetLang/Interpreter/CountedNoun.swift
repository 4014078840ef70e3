/// "1 step", "2 steps", "1 batch", "3 batches": a count with its noun in the right number,
/// for messages that print counts ("power iteration to tolerance: 1 iteration …").
func counted(_ n: Int, _ word: String, plural: String? = nil) -> String {
    "\(n) " + (n == 1 ? word : plural ?? word + "s")
}
