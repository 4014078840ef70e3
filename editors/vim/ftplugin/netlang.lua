-- Neovim only: start (or reuse) `netl lsp` for this buffer. Set vim.g.netlang_lsp = false
-- to turn it off, vim.g.netlang_lsp_cmd to run another netl ({ "/path/to/netl", "lsp" }).
if vim.g.netlang_lsp == false then
  return
end
require("netlang_lsp").attach(vim.api.nvim_get_current_buf())
