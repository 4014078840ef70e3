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
  if id ~= nil then vim.lsp.buf_attach_client(bufnr, id) end
  return id
end

return M
