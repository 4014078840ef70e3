-- Starts `netl lsp` with Neovim's built-in client (0.7 and later: vim.lsp.start_client
-- and buf_attach_client, no plugins) and attaches NetLang buffers to it, one server per
-- project folder.
local M = {}
local clients = {}

--- The folder of the buffer's file (the server resolves imports and data against it).
local function root_of(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" then return vim.fn.getcwd() end
  return vim.fn.fnamemodify(name, ":p:h")
end

--- Buffer-local use of the server (0.7 maps no LSP keys itself): K hover, gd and Ctrl-]
--- definition, Ctrl-X Ctrl-O completion, [d / ]d the previous / next diagnostic.
local function use_in_buffer(bufnr)
  vim.bo[bufnr].omnifunc = "v:lua.vim.lsp.omnifunc"
  vim.bo[bufnr].tagfunc = "v:lua.vim.lsp.tagfunc"
  local function map(lhs, rhs) vim.keymap.set("n", lhs, rhs, { buffer = bufnr, silent = true }) end
  map("K", vim.lsp.buf.hover)
  map("gd", vim.lsp.buf.definition)
  map("[d", vim.diagnostic.goto_prev)
  map("]d", vim.diagnostic.goto_next)
end

function M.attach(bufnr)
  local cmd = vim.g.netlang_lsp_cmd or { "netl", "lsp" }
  if vim.fn.executable(cmd[1]) ~= 1 then
    vim.notify("netlang: '" .. cmd[1] .. "' not found; the language server is off", vim.log.levels.WARN)
    return nil
  end
  local root = root_of(bufnr)
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client({ name = "netl", cmd = cmd, root_dir = root })
    clients[root] = id
  end
  if id ~= nil then
    vim.lsp.buf_attach_client(bufnr, id)
    use_in_buffer(bufnr)
  end
  return id
end

return M
