"""The sources the workup cites, one constant each, so every card and threshold names the same URL.

URLs are the stable landing pages (PubMed, the publisher or the issuing body), never a mirror.
"""

from __future__ import annotations

from typing import NamedTuple


class Citation(NamedTuple):  # hashed by the tuple's C hash: the rules dedupe a card's sources per call
    label: str
    url: str


AAFP_2010_MICROCYTOSIS = Citation(
    "AAFP 2010: Van Vranken, Evaluation of microcytosis", "https://pubmed.ncbi.nlm.nih.gov/21121557/"
)
AAFP_2007_IDA = Citation(
    "AAFP 2007: Killip et al., Iron deficiency anemia", "https://pubmed.ncbi.nlm.nih.gov/17375513/"
)
WHO_2024_HEMOGLOBIN = Citation(
    "WHO 2024: Guideline on haemoglobin cutoffs to define anaemia",
    "https://www.who.int/publications/i/item/9789240088542",
)
WHO_2020_FERRITIN = Citation(
    "WHO 2020: Guideline on the use of ferritin concentrations to assess iron status",
    "https://www.ncbi.nlm.nih.gov/books/NBK569873/",
)
AGA_2020_IDA = Citation(
    "AGA 2020: Gastrointestinal evaluation of iron deficiency anemia (Ko et al.)",
    "https://gastro.org/clinical-guidance/gastrointestinal-evaluation-of-iron-deficiency-anemia",
)
BSG_2021_IDA = Citation(
    "BSG 2021: Management of iron deficiency anaemia in adults (Snook et al.)",
    "https://pubmed.ncbi.nlm.nih.gov/34497146/",
)
AAP_2010_IRON = Citation(
    "AAP 2010: Iron deficiency in infants and young children (Baker & Greer)",
    "https://doi.org/10.1542/peds.2010-2576",
)
CDC_2021_LEAD = Citation(
    "CDC 2021: Blood lead reference value (MMWR 2021;70:1509)", "https://doi.org/10.15585/mmwr.mm7043a4"
)
VEHAPOGLU_2014_INDICES = Citation(
    "Vehapoglu 2014: Indices for beta-thalassemia trait vs iron deficiency",
    "https://pubmed.ncbi.nlm.nih.gov/24818016/",
)
BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA = Citation(
    "Bessman 1977: Microcytic polycythemia (JAMA)", "https://pubmed.ncbi.nlm.nih.gov/578867/"
)
AABB_2023_TRANSFUSION = Citation(
    "AABB 2023: Red blood cell transfusion guidelines (Carson et al., JAMA)",
    "https://jamanetwork.com/journals/jama/fullarticle/2810754",
)
HERSHKO_2014_REFRACTORY_IDA = Citation(
    "Hershko & Camaschella 2014: How I treat unexplained refractory iron deficiency anemia (Blood)",
    "https://doi.org/10.1182/blood-2013-10-512624",
)
DONKER_2014_GENETIC_MICROCYTIC_ANEMIAS = Citation(
    "Donker et al. 2014: Microcytic anemias due to genetic disorders of iron metabolism or heme synthesis",
    "https://ashpublications.org/blood/article/123/25/3873/32884",
)
WHO_2016_MYELOID = Citation(
    "WHO 2016: Revision of the classification of myeloid neoplasms (Arber et al., Blood)",
    "https://ashpublications.org/blood/article/127/20/2391/35255",
)
BSH_ERYTHROCYTOSIS = Citation(
    "BSH: Guidelines on polycythaemia vera and secondary erythrocytosis (McMullin et al.)",
    "https://b-s-h.org.uk/guidelines",
)
WEINZIERL_2013_PANCYTOPENIA = Citation(
    "Weinzierl & Arber 2013: Differential diagnosis and marrow evaluation of new-onset pancytopenia",
    "https://pubmed.ncbi.nlm.nih.gov/23270895/",
)
CRAWFORD_2004_NEUTROPENIA = Citation(
    "Crawford, Dale & Lyman 2004: Chemotherapy-induced neutropenia, risks, consequences and management",
    "https://doi.org/10.1002/cncr.11882",
)
TEFFERI_2003_ANEMIA = Citation(
    "Tefferi 2003: Anemia in adults, a contemporary approach to diagnosis (Mayo Clin Proc)",
    "https://doi.org/10.4065/78.10.1274",
)
AASLD_2011_HEMOCHROMATOSIS = Citation(
    "AASLD 2011: Diagnosis and management of hemochromatosis (Bacon et al.)",
    "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC3149125/",
)
EASL_2022_HAEMOCHROMATOSIS = Citation(
    "EASL 2022: Clinical Practice Guidelines on haemochromatosis (J Hepatol 2022;77:479–502)",
    "https://pubmed.ncbi.nlm.nih.gov/35662478/",
)
ENDOCRINE_SOCIETY_2018_TESTOSTERONE = Citation(
    "Endocrine Society 2018: Testosterone therapy in men with hypogonadism (Bhasin et al., "
    "J Clin Endocrinol Metab 2018;103:1715–1744)",
    "https://academic.oup.com/jcem/article/103/5/1715/4939465",
)
CLINICAL_METHODS_1990_RED_CELL_INDICES = Citation(
    "Clinical Methods 1990, chapter 152: Red cell indices (spurious results of automated counters)",
    "https://www.ncbi.nlm.nih.gov/books/NBK260/",
)
MAIS_2009_HBA2_HBE = Citation(
    "Mais et al. 2009: HbA2 and HbE on HPLC and capillary electrophoresis (Am J Clin Pathol)",
    "https://doi.org/10.1309/AJCPJ0VQGE5WTZEL",
)
NHS_SCT_HANDBOOK = Citation(
    "NHS Sickle Cell and Thalassaemia Screening Programme: handbook for antenatal laboratories",
    "https://www.gov.uk/government/publications/sct-screening-handbook-for-antenatal-laboratories",
)
CHAI_2021_PROFOUND_ANEMIA = Citation(
    "Chai et al. 2021: critical iron deficiency anemia with a record low hemoglobin of 1.4 g/dL "
    "(J Med Case Rep 2021;15:472)",
    "https://doi.org/10.1186/s13256-021-03024-9",
)
KEOHANE_2013_ERYTHROCYTOSIS = Citation(
    "Keohane, McMullin & Harrison 2013: Erythrocytosis (BMJ 2013;347:f6667), as NHS haematology "
    "pathways apply it",
    "https://www.bmj.com/content/347/bmj.f6667",
)
BSH_2020_PREGNANCY = Citation(
    "BSH 2020: UK guidelines on the management of iron deficiency in pregnancy (Pavord et al., Br J "
    "Haematol 2020;188:819-830)",
    "https://b-s-h.org.uk/guidelines/guidelines/uk-guidelines-on-the-management-of-iron-deficiency-in-pregnancy",
)
KDIGO_2012_ANEMIA_CKD = Citation(
    "KDIGO 2012: Clinical Practice Guideline for Anemia in Chronic Kidney Disease",
    "https://kdigo.org/guidelines/anemia-in-ckd/",
)
