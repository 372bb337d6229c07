"""Names bound more than once are one value per definition (reaching definitions)."""
import torch


def train_epoch(model, loader, val_batch, optimizer, loss_fn):
    model.train()
    for x, y in loader:
        output = model(x)
        loss = loss_fn(output, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    # the validation batch reuses the name `output`: it never reaches the backward above
    output = model(val_batch)  # expect: GL102
    print(output.argmax(1).tolist())


def val_inside_the_loop(model, loader, val_x, optimizer):
    for x, y in loader:
        pred = model(x)
        pred.sum().backward()  # allow: GL501 (no zero_grad in this loop)
        optimizer.step()
        pred = model(val_x)  # expect: GL102
        print(pred.mean().item())


def reassigned_before_the_backward(model, x, extra, optimizer):
    # both definitions reach the backward: the second one is computed from the first
    out = model(x)
    out = out + model(extra)
    out.sum().backward()
    optimizer.step()


def either_branch_reaches(model, x, y, flag, optimizer):
    if flag:
        out = model(x)
    else:
        out = model(y)
    out.sum().backward()
    optimizer.step()


def carried_around_the_loop(model, batches, optimizer):
    # the value of the last iteration flows into the next one and then to the backward
    state = None
    for x in batches:
        if state is not None:
            state.sum().backward()
            optimizer.step()
        state = model(x)


def accumulated(model, batches, optimizer):
    total = 0
    for x in batches:
        out = model(x)
        total += out.sum()
    total.backward()
    optimizer.step()


def after_a_try(model, x, fallback, optimizer):
    try:
        out = model(x)
    except RuntimeError:
        out = model(fallback)
    out.sum().backward()
    optimizer.step()


def matched(model, command, x, optimizer):
    match command:
        case "train":
            out = model(x)
        case _:
            out = model(x * 2)
    out.sum().backward()
    optimizer.step()


def loss_set_in_one_branch_only(model, loader, optimizer, fp16, autocast):
    # the fp16 branch never binds `loss` (an indentation slip): the backward may read an unbound
    # name, so which forward it trains is out of view; GL102's no_grad fix would be wrong there
    for x in loader:
        if fp16:
            with autocast():
                outputs = model(x)
        else:
            outputs = model(x)
            loss = outputs[0]
        loss = loss.mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def loss_bound_on_every_path(model, loader, optimizer, teacher):
    for x in loader:
        target = teacher(x)  # expect: GL102
        loss = model(x).sum()
        loss = loss.mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def loss_from_if_elif(model, old_model, loader, optimizer, space):
    # `if`/`elif` with no `else`: the loss may look unbound, but the forward before the branch
    # is on every path, and its output never reaches the backward
    for x in loader:
        reference = old_model(x)  # expect: GL102
        out = model(x)
        if space == "continuous":
            loss = out.pow(2).mean()
        elif space == "discrete":
            loss = out.abs().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(reference.argmax().item())


def loss_bound_in_each_arm(model, target, loader, optimizer, space):
    # each arm binds the loss itself: the target forward's arm trains its own loss
    for x in loader:
        if space == "continuous":
            loss = model(x).pow(2).mean()
        elif space == "discrete":
            reference = target(x)  # expect: GL102
            loss = model(x).abs().mean()
            print(reference.argmax().item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
