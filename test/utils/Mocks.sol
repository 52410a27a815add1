// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IncrementalMerkle} from "../../contracts/common/libraries/Merkle.sol";
import {IERC7786Recipient} from "@openzeppelin/contracts/interfaces/draft-IERC7786.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

// Every test double of the forge tests, L1 and L2: tokens, ERC-7786 recipients, an ETH rejecter
// and L1's Transaction Root tree. (The Rust tests deploy `L1TestToken` from this file's artifact.)

/// @dev An 18-decimals ERC-20 anyone may mint (L1 tokens bridged to hyperchains).
contract L1TestToken is ERC20 {
    constructor(string memory name, string memory symbol) ERC20(name, symbol) {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @dev Burns 1% of every transfer (fee-on-transfer token).
contract L1FeeOnTransferToken is ERC20 {
    constructor() ERC20("Fee Token", "FEE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value / 100;
            super._update(from, address(0), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}

/// @dev A contract without receive or fallback: every ETH transfer to it fails.
contract ETHRejecter {}

/// @dev An ERC-7786 recipient that records what it got; can be told to revert or answer wrongly.
contract MockRecipient is IERC7786Recipient {
    error Refused(bytes payload);

    bytes32 public lastReceiveId;
    bytes public lastSender;
    bytes public lastPayload;
    uint256 public lastValue;
    address public lastGateway;
    uint256 public calls;
    bool public refuse;
    bytes4 public answer = IERC7786Recipient.receiveMessage.selector;

    function setRefuse(bool refuse_) external {
        refuse = refuse_;
    }

    function setAnswer(bytes4 answer_) external {
        answer = answer_;
    }

    function receiveMessage(bytes32 receiveId, bytes calldata sender, bytes calldata payload)
        external
        payable
        returns (bytes4)
    {
        if (refuse) revert Refused(payload);
        lastReceiveId = receiveId;
        lastSender = sender;
        lastPayload = payload;
        lastValue = msg.value;
        lastGateway = msg.sender;
        ++calls;
        return answer;
    }
}

/// @dev Accepts every message and does nothing: relay gas measured with it is the gateway's own.
contract NoopRecipient is IERC7786Recipient {
    function receiveMessage(bytes32, bytes calldata, bytes calldata) external payable returns (bytes4) {
        return IERC7786Recipient.receiveMessage.selector;
    }
}

/// @dev Burns all the gas it is given.
contract GasBurner is IERC7786Recipient {
    function receiveMessage(bytes32, bytes calldata, bytes calldata) external payable returns (bytes4) {
        while (true) {}
        return IERC7786Recipient.receiveMessage.selector;
    }
}

/// @dev An ERC-20 with the given decimals anyone may mint (L2-native tokens, token metadata).
contract TestToken is ERC20 {
    uint8 private immutable DECIMALS;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        DECIMALS = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return DECIMALS;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @dev Transaction Root tree, as L1's `TransactionRoot` keeps it.
contract TransactionRootTree {
    using IncrementalMerkle for IncrementalMerkle.Tree;

    IncrementalMerkle.Tree internal tree;

    function append(bytes32 leaf) external returns (bytes32 root, uint256 leafCount) {
        return tree.append(leaf);
    }
}

/// @dev Succeeds only if its call frame got at least `need` gas.
contract GasNeeder is IERC7786Recipient {
    uint256 public immutable NEED;
    uint256 public calls;

    constructor(uint256 need) {
        NEED = need;
    }

    function receiveMessage(bytes32, bytes calldata, bytes calldata) external payable returns (bytes4) {
        if (gasleft() < NEED) revert("starved");
        ++calls;
        return IERC7786Recipient.receiveMessage.selector;
    }
}
