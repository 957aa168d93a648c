"""The product catalogue of the sample company: niacin, niacinamide and related vitamins.

Pure data plus the price table. List prices are CNY per kg in the first year of
the sample and drift up a little every year; the unit cost is a product-specific
share of the list price (so the margin on a line also depends on the discount).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CATEGORIES = ("feed grade", "premix", "food grade", "pharma grade", "cosmetic grade")

# Share of an industry's purchases per category (rows follow names.INDUSTRIES:
# feed, pharmaceutical, food, cosmetics; columns follow CATEGORIES).
CATEGORY_AFFINITY = np.array(
    [
        [0.62, 0.36, 0.02, 0.00, 0.00],
        [0.00, 0.00, 0.22, 0.70, 0.08],
        [0.00, 0.00, 0.80, 0.18, 0.02],
        [0.00, 0.00, 0.03, 0.12, 0.85],
    ]
)

# (name, name_en, category, list price CNY/kg, unit cost / list price, pack size kg,
#  yearly list-price drift, popularity)
PRODUCTS: tuple[tuple[str, str, str, float, float, float, float, float], ...] = (
    ("烟酸（饲料级 99%）", "Niacin Feed Grade 99%", "feed grade", 42, 0.66, 25, 0.02, 1.0),
    ("烟酰胺（饲料级 99%）", "Niacinamide Feed Grade 99%", "feed grade", 48, 0.66, 25, 0.02, 0.9),
    (
        "烟酸微粒（饲料级 98%）",
        "Niacin Microgranules Feed Grade 98%",
        "feed grade",
        46,
        0.64,
        25,
        0.02,
        0.5,
    ),
    (
        "D-泛酸钙（饲料级 98%）",
        "Calcium D-Pantothenate Feed Grade 98%",
        "feed grade",
        68,
        0.62,
        25,
        0.03,
        0.8,
    ),
    ("维生素B6（饲料级）", "Vitamin B6 Feed Grade", "feed grade", 165, 0.64, 25, 0.03, 0.5),
    ("肌醇（饲料级）", "Inositol Feed Grade", "feed grade", 95, 0.63, 25, 0.02, 0.35),
    ("烟酸铬（饲料级）", "Chromium Nicotinate Feed Grade", "feed grade", 320, 0.58, 20, 0.02, 0.2),
    (
        "氯化胆碱（60% 玉米芯）",
        "Choline Chloride 60% Corn Cob",
        "feed grade",
        6.5,
        0.78,
        25,
        0.01,
        0.6,
    ),
    (
        "烟酰胺（饲料级 吨包）",
        "Niacinamide Feed Grade, 500 kg Big Bag",
        "feed grade",
        46,
        0.65,
        500,
        0.02,
        0.3,
    ),
    (
        "烟酸（饲料级 吨包）",
        "Niacin Feed Grade, 500 kg Big Bag",
        "feed grade",
        40,
        0.66,
        500,
        0.02,
        0.3,
    ),
    ("猪用复合维生素预混料", "Swine Vitamin Premix", "premix", 28, 0.72, 25, 0.02, 0.7),
    ("母猪专用维生素预混料", "Sow Vitamin Premix", "premix", 32, 0.71, 25, 0.02, 0.4),
    ("禽用复合维生素预混料", "Poultry Vitamin Premix", "premix", 26, 0.72, 25, 0.02, 0.7),
    ("蛋禽维生素预混料", "Layer Vitamin Premix", "premix", 27, 0.72, 25, 0.02, 0.4),
    ("反刍动物预混料", "Ruminant Premix", "premix", 24, 0.73, 25, 0.02, 0.4),
    ("水产复合维生素预混料", "Aquaculture Vitamin Premix", "premix", 30, 0.71, 25, 0.02, 0.4),
    ("宠物食品维生素预混料", "Pet Food Vitamin Premix", "premix", 58, 0.62, 20, 0.03, 0.2),
    ("烟酸（食品级）", "Niacin Food Grade", "food grade", 78, 0.63, 25, 0.02, 0.6),
    ("烟酰胺（食品级）", "Niacinamide Food Grade", "food grade", 85, 0.62, 25, 0.02, 0.8),
    (
        "D-泛酸钙（食品级）",
        "Calcium D-Pantothenate Food Grade",
        "food grade",
        118,
        0.62,
        25,
        0.03,
        0.5,
    ),
    ("维生素B6（食品级）", "Vitamin B6 Food Grade", "food grade", 235, 0.62, 25, 0.03, 0.4),
    ("肌醇（食品级）", "Inositol Food Grade", "food grade", 140, 0.60, 25, 0.02, 0.5),
    (
        "包衣烟酰胺（食品级 33%）",
        "Coated Niacinamide 33% Food Grade",
        "food grade",
        96,
        0.64,
        20,
        0.02,
        0.3,
    ),
    (
        "B族维生素营养强化复配粉",
        "Vitamin B Fortification Blend",
        "food grade",
        150,
        0.60,
        20,
        0.03,
        0.4,
    ),
    ("烟酸（药用级 USP/EP）", "Niacin USP/EP", "pharma grade", 128, 0.60, 25, 0.03, 0.6),
    ("烟酰胺（药用级 USP/EP）", "Niacinamide USP/EP", "pharma grade", 135, 0.60, 25, 0.03, 0.8),
    ("烟酸（直压级）", "Niacin Direct Compression Grade", "pharma grade", 160, 0.58, 25, 0.03, 0.3),
    (
        "D-泛酸钙（药用级 USP）",
        "Calcium D-Pantothenate USP",
        "pharma grade",
        190,
        0.60,
        25,
        0.03,
        0.5,
    ),
    (
        "盐酸吡哆辛（药用级 EP）",
        "Pyridoxine Hydrochloride EP",
        "pharma grade",
        360,
        0.60,
        25,
        0.03,
        0.4,
    ),
    ("肌醇（药用级 USP）", "Inositol USP", "pharma grade", 230, 0.58, 25, 0.02, 0.35),
    ("右泛醇（药用级 USP）", "Dexpanthenol USP", "pharma grade", 290, 0.60, 20, 0.03, 0.3),
    (
        "烟酰胺（化妆品级 低烟酸）",
        "Niacinamide Cosmetic Grade, Low Nicotinic Acid",
        "cosmetic grade",
        210,
        0.56,
        20,
        0.04,
        0.9,
    ),
    (
        "超纯烟酰胺（化妆品级 PC）",
        "Niacinamide PC Ultra-pure",
        "cosmetic grade",
        320,
        0.52,
        5,
        0.04,
        0.5,
    ),
    (
        "D-泛醇 75%（化妆品级）",
        "D-Panthenol 75% Cosmetic Grade",
        "cosmetic grade",
        160,
        0.58,
        20,
        0.03,
        0.6,
    ),
    (
        "DL-泛醇（化妆品级）",
        "DL-Panthenol Cosmetic Grade",
        "cosmetic grade",
        140,
        0.60,
        20,
        0.03,
        0.4,
    ),
    ("吡哆素三棕榈酸酯", "Pyridoxine Tripalmitate", "cosmetic grade", 980, 0.50, 1, 0.03, 0.2),
    ("烟酸甲酯", "Methyl Nicotinate", "cosmetic grade", 420, 0.55, 5, 0.03, 0.2),
    ("烟酸生育酚酯", "Tocopheryl Nicotinate", "cosmetic grade", 860, 0.52, 1, 0.03, 0.2),
    ("肌醇（化妆品级）", "Inositol Cosmetic Grade", "cosmetic grade", 260, 0.56, 5, 0.03, 0.25),
    ("泛醇乙醚（化妆品级）", "Panthenyl Ethyl Ether", "cosmetic grade", 520, 0.54, 5, 0.03, 0.15),
)

N_PRODUCTS = len(PRODUCTS)
PRODUCT_IDS = tuple(f"P{i + 1:03d}" for i in range(N_PRODUCTS))
CATEGORY_OF = np.array([CATEGORIES.index(p[2]) for p in PRODUCTS])
BASE_PRICE = np.array([p[3] for p in PRODUCTS], dtype=float)
COST_SHARE = np.array([p[4] for p in PRODUCTS], dtype=float)
PACK_KG = np.array([p[5] for p in PRODUCTS], dtype=float)
PRICE_DRIFT = np.array([p[6] for p in PRODUCTS], dtype=float)
POPULARITY = np.array([p[7] for p in PRODUCTS], dtype=float)

# Raw-material cost cycle (3-picoline) as a factor on unit cost per year since the start.
COST_CYCLE = (1.00, 0.97, 1.02, 1.05, 1.03, 1.00, 1.02, 1.04)


def product_index(name_en: str) -> int:
    """Index of a product by English name (used to plant stories on named products)."""
    for i, p in enumerate(PRODUCTS):
        if p[1] == name_en:
            return i
    raise KeyError(name_en)


def list_prices(n_years: int) -> np.ndarray:
    """List price per kg, shape (products, years): base price with yearly drift."""
    years = np.arange(n_years)
    return np.round(BASE_PRICE[:, None] * (1 + PRICE_DRIFT[:, None]) ** years[None, :], 2)


def unit_costs(n_years: int) -> np.ndarray:
    """Unit cost per kg, shape (products, years): a share of list price times the cost cycle."""
    cycle = np.array([COST_CYCLE[i % len(COST_CYCLE)] for i in range(n_years)])
    return list_prices(n_years) * COST_SHARE[:, None] * cycle[None, :]


def products_frame() -> pd.DataFrame:
    """The products table of the data model."""
    return pd.DataFrame(
        {
            "product_id": pd.array(PRODUCT_IDS, dtype="str"),
            "name": pd.array([p[0] for p in PRODUCTS], dtype="str"),
            "name_en": pd.array([p[1] for p in PRODUCTS], dtype="str"),
            "category": pd.array([p[2] for p in PRODUCTS], dtype="str"),
            "unit": pd.array(["kg"] * N_PRODUCTS, dtype="str"),
        }
    )
