"""Every backward spelling in RULES.md: the forward feeding it is trained, so GL102 stays quiet
(its fix would wrap the training forward in no_grad and break training)."""
import torch
import torch.distributed.autograd as dist_autograd
import torch.nn.functional as F
from torch.distributed import autograd as rpc_autograd


def plain(model, x, y, opt):
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()


def distributed_rpc(model, x, y, opt):
    with dist_autograd.context() as context_id:
        loss = F.mse_loss(model(x), y)
        dist_autograd.backward(context_id, [loss])
        opt.step(context_id)


def distributed_rpc_from_import(model, x, y, opt):
    with rpc_autograd.context() as ctx:
        out = model(x)
        rpc_autograd.backward(ctx, [F.mse_loss(out, y)])
        opt.step(ctx)


def distributed_rpc_full_name(model, x, y, opt):
    with torch.distributed.autograd.context() as ctx:
        pred = model(x)
        torch.distributed.autograd.backward(ctx, roots=[F.mse_loss(pred, y)])
        opt.step(ctx)


def accelerate(accelerator, model, x, y, opt):
    loss = F.mse_loss(model(x), y)
    accelerator.backward(loss)
    opt.step()


def fabric_style(fabric, model, x, y, opt):
    out = model(x)
    fabric.backward(F.mse_loss(out, y))
    opt.step()


def deepspeed(engine, x, y):
    loss = F.mse_loss(engine(x), y)
    engine.backward(loss)
    engine.step()


def amp(scaler, model, x, y, opt):
    with torch.autocast("cpu"):
        loss = F.mse_loss(model(x), y)
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()


def autograd_backward(model, x, y, opt):
    loss = F.mse_loss(model(x), y)
    torch.autograd.backward([loss])
    opt.step()


def autograd_backward_keyword(model, x, y, opt):
    loss = F.mse_loss(model(x), y)
    torch.autograd.backward(tensors=loss)
    opt.step()


def autograd_grad(model, x, y, opt):
    loss = F.mse_loss(model(x), y)
    grads = torch.autograd.grad(loss, list(model.parameters()))
    for p, g in zip(model.parameters(), grads):
        p.grad = g
    opt.step()


def autograd_grad_keyword(model, x):
    out = model(x)
    return torch.autograd.grad(outputs=out.sum(), inputs=x, create_graph=True)


class Lit:
    def manual(self, x, y):
        loss = F.mse_loss(self.model(x), y)
        self.manual_backward(loss)


def closure_step(model, x, y, opt):
    def closure():
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        return loss

    opt.step(closure)


def lbfgs_lambda_free(model, x, y, opt):
    for _ in range(3):
        def closure():
            opt.zero_grad()
            out = model(x)
            loss = F.mse_loss(out, y)
            loss.backward()
            return loss
        opt.step(closure)


def grad_of_list(model, x, y, opt):
    losses = [F.mse_loss(model(x), y)]
    torch.autograd.backward(losses)
    opt.step()


def backward(total_loss, scaler):
    # a helper of the file that backpropagates its argument: its calls are backwards
    if scaler is not None:
        scaler.scale(total_loss).backward()
    else:
        total_loss.backward()


def through_a_backward_helper(model, teacher, batches, opt, scaler):
    for x, y in batches:
        features = {}
        for name, layer in model.named_children():
            features[name] = layer(x)  # a dict filled per layer, all of it backpropagated below
        loss = sum(F.mse_loss(f, y) for f in features.values())
        guide = teacher(x)  # expect: GL102
        opt.zero_grad()
        backward(loss, scaler)
        opt.step()


def mmengine_train_step(model, teacher, inputs, optim_wrapper):
    # MMEngine's OptimWrapper.update_params(loss) runs the backward (then the step)
    logits = model(inputs)
    probe = teacher(inputs)  # expect: GL102
    loss = logits.mean()
    optim_wrapper.update_params(loss)
    return probe.shape
